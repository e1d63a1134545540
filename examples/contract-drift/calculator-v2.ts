// The shared interface as it is now: calculateSum changed incompatibly, describe gained an optional parameter (compatible).
export interface Calculator {
  calculateSum(a: number, b: number): number;
  describe(n: number, precision?: number): string;
}
