import useSWR from "swr";
import { money } from "@/format";
import type { Order } from "./api";

const fetcher = (url: string) => fetch(url).then((r) => r.json() as Promise<Order[]>);

export function OrdersPage() {
  const { data, isLoading } = useSWR("/api/orders", fetcher);
  if (isLoading) return <p>Loading…</p>;
  return (
    <ul>
      {data?.map((o) => (
        <li key={o.id}>{o.id}: {money(o.total)}</li>
      ))}
    </ul>
  );
}
