// The shared interface of the shopping service (spec 1.1, class based approach).
export interface Shopping {
  getItems(): string[];
  addItem(item: string): void;
  clearItems(): void;
}
