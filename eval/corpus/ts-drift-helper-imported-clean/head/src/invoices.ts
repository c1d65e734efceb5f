import { formatMoney } from "./lib/money";
import type { Invoice } from "./types";

export function invoiceLine(invoice: Invoice): string {
  return `Invoice ${invoice.number}: ${formatMoney(invoice.totalCents, invoice.currency)}`;
}
