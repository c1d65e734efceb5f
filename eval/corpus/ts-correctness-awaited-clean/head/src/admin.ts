type User = { id: string; admin: boolean };

async function fetchUser(id: string): Promise<User> {
  const res = await fetch(`/api/users/${id}`);
  return res.json();
}

export async function canDelete(id: string): Promise<boolean> {
  const pending = fetchUser(id);
  const user = await pending;
  return user.admin === true;
}
