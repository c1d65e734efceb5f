export interface Order {
  id: string;
  totalCents: number;
  currency: string;
}

export interface Invoice {
  number: string;
  totalCents: number;
  currency: string;
}
