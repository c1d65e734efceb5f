type User = { id: string; admin: boolean };

async function fetchUser(id: string): Promise<User> {
  const res = await fetch(`/api/users/${id}`);
  return res.json();
}

export function canDelete(id: string): boolean {
  const user = fetchUser(id) as unknown as User;
  return user.admin === true;
}
