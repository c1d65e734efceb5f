import { formatMoney } from "./lib/money";
import type { Order } from "./types";

export function orderSummary(order: Order): string {
  return `Order ${order.id}: ${formatMoney(order.totalCents, order.currency)}`;
}
