/** One JSON-RPC call over HTTP with a bearer token: the status and the parsed body (the text when it is not JSON). */
export async function rpcRaw(url: string, token: string, method: string, params: unknown[] = []): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/rpc`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}
