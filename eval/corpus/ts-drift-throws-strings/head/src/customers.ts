export type Customer = { id: string; name: string };

export async function getCustomer(id: string): Promise<Customer> {
  const res = await fetch(`/api/customers/${id}`);
  if (res.status === 404) throw "customer not found";
  if (!res.ok) throw "customer request failed";
  return res.json();
}
