// The fairness check, in the browser (Web Crypto): is the revealed prize the one the series
// committed to, before the play? The hashing is the hub's (layers/shared/casino/hub/prizes.py):
//   leaf  = SHA-256(0x00 "casino.hub.prize.v1" | len(series_id) 2 bytes | series_id | position 8 bytes
//                   | amount in minor units 16 bytes | salt)
//   node  = SHA-256(0x01 | left | right); the last node of an odd level is promoted unchanged
//   root  = SHA-256(0x02 "casino.hub.series.v1" | len(series_id) 2 bytes | series_id | tickets 8 bytes | top)
// The root the proof must reach is the one this page received with the game, not the proof's own.

const encoder = new TextEncoder();
const LEAF_PREFIX = join([Uint8Array.of(0), encoder.encode("casino.hub.prize.v1")]);
const NODE_PREFIX = Uint8Array.of(1);
const ROOT_PREFIX = join([Uint8Array.of(2), encoder.encode("casino.hub.series.v1")]);
const HASH = /^[0-9a-f]{64}$/;
const SERIES_ID = /^[A-Za-z0-9_.:#-]{1,128}$/;
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const MAX_TICKETS = 1000000;

function join(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function bytesOfHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function hexOf(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function bigEndian(value, size) {
  let rest = BigInt(value);
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (rest !== 0n) throw new RangeError("too large");
  return out;
}

function seriesIdBytes(seriesId) {
  const text = encoder.encode(seriesId);
  return join([bigEndian(text.length, 2), text]);
}

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", join(parts)));
}

// For each level where the position's node has a sibling, the side the sibling is on.
export function pathShape(position, tickets) {
  const sides = [];
  let index = position;
  let width = tickets;
  while (width > 1) {
    if (!(index === width - 1 && width % 2 === 1)) sides.push(index % 2 ? "left" : "right");
    index = Math.floor(index / 2);
    width = Math.floor((width + 1) / 2);
  }
  return sides;
}

// "12.50" with 2 places -> 1250n; null if the text is not a plain decimal with exactly `places`
// places (a prize shown with other places than the currency's is not the committed amount).
export function minorUnits(text, places) {
  if (typeof text !== "string" || !DECIMAL.test(text)) return null;
  const [whole, fraction = ""] = text.split(".");
  if (fraction.length !== places) return null;
  return BigInt(whole + fraction);
}

export function decimalPlaces(text) {
  const fraction = String(text).split(".")[1];
  return fraction ? fraction.length : 0;
}

function problemOf(reveal, commitment, places) {
  const proof = reveal && reveal.proof;
  if (!proof || typeof proof !== "object") return "the ticket came without a proof";
  if (!commitment) return "this page did not receive the series' commitment before the play";
  if (typeof proof.series_id !== "string" || !SERIES_ID.test(proof.series_id)) return "the series id is malformed";
  if (proof.series_id !== commitment.series_id) return "the proof is for another series than the one committed";
  if (!Number.isInteger(proof.tickets) || proof.tickets < 1 || proof.tickets > MAX_TICKETS) return "the series size is malformed";
  if (proof.tickets !== commitment.tickets) return "the proof names another series size than the commitment";
  if (!Number.isInteger(proof.position) || proof.position < 0 || proof.position >= proof.tickets) {
    return "the position is outside the series";
  }
  if (!HASH.test(String(proof.salt)) || !HASH.test(String(commitment.root))) return "a hash is malformed";
  if (proof.root !== commitment.root) return "the proof names another root than the one published before the play";
  if (!Number.isSafeInteger(proof.amount_minor) || proof.amount_minor < 0) return "the amount is malformed";
  const shown = minorUnits(reveal.prize, places);
  if (shown === null || shown !== BigInt(proof.amount_minor)) return "the prize shown is not the amount in the proof";
  if (reveal.won !== shown > 0n) return "the ticket says won for a zero prize, or lost for a prize";
  const shape = pathShape(proof.position, proof.tickets);
  if (!Array.isArray(proof.path) || proof.path.length !== shape.length) {
    return `the path has the wrong length for position ${proof.position}`;
  }
  for (let i = 0; i < shape.length; i++) {
    const step = proof.path[i];
    if (!step || step.side !== shape[i] || !HASH.test(String(step.sibling))) {
      return "the path does not have the shape of this position's path";
    }
  }
  return null;
}

// {ok, problem?}: ok when the prize shown, at its position, hashes up to the committed root.
export async function checkReveal(reveal, commitment, places) {
  const problem = problemOf(reveal, commitment, places);
  if (problem) return { ok: false, problem };
  const proof = reveal.proof;
  const id = seriesIdBytes(proof.series_id);
  let node = await sha256(
    LEAF_PREFIX,
    id,
    bigEndian(proof.position, 8),
    bigEndian(proof.amount_minor, 16),
    bytesOfHex(proof.salt),
  );
  for (const step of proof.path) {
    const sibling = bytesOfHex(step.sibling);
    node = step.side === "left" ? await sha256(NODE_PREFIX, sibling, node) : await sha256(NODE_PREFIX, node, sibling);
  }
  const root = hexOf(await sha256(ROOT_PREFIX, id, bigEndian(proof.tickets, 8), node));
  if (root !== commitment.root) return { ok: false, problem: "the proof does not lead to the committed root" };
  return { ok: true };
}
