import { logger } from "./log";

export interface Order {
  id: string;
  lines: { sku: string; price: number; quantity: number }[];
}

export async function loadOrder(id: string): Promise<Order> {
  logger.debug({ id }, "loading order");
  const res = await fetch(`/api/orders/${encodeURIComponent(id)}`);
  if (!res.ok) {
    throw new Error(`load order ${id}: ${res.status}`);
  }
  return (await res.json()) as Order;
}
