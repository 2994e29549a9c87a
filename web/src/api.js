// The bridge's own HTTP API: every read-only view comes from it, so the page works without a wallet.

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "object" && detail ? detail.message || JSON.stringify(detail) : String(detail));
    this.status = status;
    this.detail = detail;
  }
}

export async function get(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body?.detail ?? response.statusText);
  return body;
}

/** Every item of a paginated list, newest first, up to `max`. */
export async function list(path, max = 200) {
  const sep = path.includes("?") ? "&" : "?";
  const page = await get(`${path}${sep}limit=${Math.min(max, 100)}`);
  return page.items;
}
