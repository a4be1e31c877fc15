/**
 * One push of one SET (RFC 8935 §2): POST the compact JWS, and read the answer. 202 is delivered; 400 with an
 * RFC 8935 error body is the receiver refusing this SET for good; anything else (another status, a 400
 * without that body, a timeout, a refused connection) may succeed later.
 */

export type PushOutcome =
  | { outcome: 'delivered' }
  | { outcome: 'rejected'; err: string; description: string | undefined }
  | { outcome: 'retry'; why: string };

/** The error codes of RFC 8935 §2.4 (a receiver may define others; any `err` string counts). */
function rejection(status: number, body: string): PushOutcome | undefined {
  if (status !== 400) return undefined;
  try {
    const parsed = JSON.parse(body) as { err?: unknown; description?: unknown };
    if (typeof parsed.err !== 'string') return undefined;
    return { outcome: 'rejected', err: parsed.err.slice(0, 100), description: typeof parsed.description === 'string' ? parsed.description.slice(0, 300) : undefined };
  } catch {
    return undefined;
  }
}

export async function pushSet(url: string, token: string, timeoutMs: number): Promise<PushOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/secevent+jwt', Accept: 'application/json' },
      body: token,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = response.status === 400 ? await response.text() : '';
    if (response.status !== 400) await response.body?.cancel();
    if (response.status === 202) return { outcome: 'delivered' };
    return rejection(response.status, body) ?? { outcome: 'retry', why: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    return { outcome: 'retry', why: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? name ?? 'network error') };
  }
}
