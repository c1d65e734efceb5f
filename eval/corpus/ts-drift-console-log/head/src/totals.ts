import { loadOrder } from "./orders";

export async function orderTotal(id: string): Promise<number> {
  const order = await loadOrder(id);
  console.log("order loaded", order);
  return order.lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
}
