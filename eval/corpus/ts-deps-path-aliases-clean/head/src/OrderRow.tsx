import { money } from "@/format";
import { listOrders } from "~/api";
import type { Order } from "@/api";

export function OrderRow({ order }: { order: Order }) {
  return (
    <tr>
      <td>{order.id}</td>
      <td>{money(order.total)}</td>
    </tr>
  );
}

export const preload = () => listOrders();
