import axios from "axios";
import { z } from "zod";

export const Order = z.object({ id: z.string(), total: z.number(), status: z.string() });
export type Order = z.infer<typeof Order>;

export async function listOrders(): Promise<Order[]> {
  const res = await axios.get("/api/orders");
  return z.array(Order).parse(res.data);
}
