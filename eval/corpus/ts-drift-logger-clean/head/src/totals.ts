import { logger } from "./log";
import { loadOrder } from "./orders";

export async function orderTotal(id: string): Promise<number> {
  const order = await loadOrder(id);
  logger.debug({ id, lines: order.lines.length }, "order loaded");
  return order.lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
}
