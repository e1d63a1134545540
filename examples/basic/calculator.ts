// The shared interface: the service implements it, the client takes it whole with Fetcher<Calculator>.
export interface Calculator {
  calculateSum(...numbers: number[]): number;
}
