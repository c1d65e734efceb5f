import { useEffect, useState } from "react";
import { listOrders, type Order } from "./api";
import { money } from "./format";

export function OrdersPage() {
  const [orders, setOrders] = useState<Order[]>([]);
  useEffect(() => {
    listOrders().then(setOrders);
  }, []);
  if (orders.length === 0) return <p>No orders yet</p>;
  return (
    <ul>
      {orders.map((o) => (
        <li key={o.id}>
          {o.id} {money(o.total)} {o.status}
        </li>
      ))}
    </ul>
  );
}
