import { err, ok, type Result } from "./result";

export type Customer = { id: string; name: string };

export async function getCustomer(id: string): Promise<Result<Customer>> {
  const res = await fetch(`/api/customers/${id}`);
  if (res.status === 404) return err(new Error(`customer ${id} not found`));
  if (!res.ok) return err(new Error(`customer ${id}: ${res.status}`));
  return ok(await res.json());
}
