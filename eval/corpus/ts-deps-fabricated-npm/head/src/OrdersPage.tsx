import { useCachedFetch } from "react-fetch-cache-hooks";
import { money } from "@/format";
import type { Order } from "./api";

export function OrdersPage() {
  const { data, loading } = useCachedFetch<Order[]>("/api/orders", { ttl: 60 });
  if (loading) return <p>Loading…</p>;
  return (
    <ul>
      {data?.map((o) => (
        <li key={o.id}>{o.id}: {money(o.total)}</li>
      ))}
    </ul>
  );
}
