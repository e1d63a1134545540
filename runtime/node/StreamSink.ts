// The caller's side of a streaming call: where the executing node's items and credit grants go.
export interface StreamSink {
  item(value: unknown): void;
  credit(count: number): void;
}

/** Items in flight per stream, each way: the bound of every buffer between producer and consumer. */
export const STREAM_WINDOW = 512;
