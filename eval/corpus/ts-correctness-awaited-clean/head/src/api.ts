import { z } from "zod";

export const Order = z.object({ id: z.string(), total: z.number(), status: z.string() });
export type Order = z.infer<typeof Order>;

export async function listOrders(): Promise<Order[]> {
  const res = await fetch("/api/orders");
  if (!res.ok) throw new Error(`list orders: ${res.status}`);
  return z.array(Order).parse(await res.json());
}
