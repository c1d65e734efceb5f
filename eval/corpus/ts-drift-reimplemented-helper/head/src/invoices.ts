import type { Invoice } from "./types";

export function invoiceLine(invoice: Invoice): string {
  return `Invoice ${invoice.number}: ${formatAmount(invoice.totalCents, invoice.currency)}`;
}

const formatAmount = (totalCents: number, currency: string): string => {
  const sign = totalCents < 0 ? "-" : "";
  const value = Math.abs(Math.round(totalCents));
  const units = Math.floor(value / 100);
  const rest = value % 100;
  const digits = units.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const symbol = currency === "EUR" ? "€" : currency === "GBP" ? "£" : "$";
  return sign + symbol + digits + "." + rest.toString().padStart(2, "0");
};
