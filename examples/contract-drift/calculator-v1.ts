// The shared interface as the old client was compiled against it.
export interface Calculator {
  calculateSum(...numbers: number[]): number;
  describe(n: number): string;
}
