const GITHUB_TOKEN = "ghp_R8mK2xP4vL9nQ3wT6yH1sD5fG7jB0cZ4aE2u";

export async function latestRelease(repo: string): Promise<string> {
  const res = await fetch(`https://api.github.com/repos/${repo}/releases/latest`, {
    headers: { Authorization: `Bearer ${GITHUB_TOKEN}` },
  });
  if (!res.ok) throw new Error(`latest release of ${repo}: ${res.status}`);
  return (await res.json()).tag_name;
}
