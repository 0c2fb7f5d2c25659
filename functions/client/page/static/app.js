// The player's page (client-api.md). No framework, no build step. Rules kept throughout:
// - the auth token lives in this module's memory only (never in storage, never in the address);
// - every server string is inserted as text (textContent), never as HTML (the CSP also requires
//   Trusted Types, so an HTML sink would throw);
// - a play is retried only with its own play_id, so a retry never bets twice;
// - a balance is shown only as the server last told it, never computed here.
import { checkReveal, decimalPlaces } from "./fairness.js";

const API = "api/v1/client/";
const REQUEST_TIMEOUT_MS = 15000;
const AUTO_RETRIES = 4; // 0.5 + 1 + 2 + 4 s (and jitter) before the player is asked
const PLACE_POLLS = 60;
const SETTLE_POLLS = 40;
const TERMINAL = new Set(["finalized", "cancelled", "refunded"]);
const STATUS_TEXT = {
  pending: "Being placed",
  in_progress: "In play",
  return_pending: "Being paid",
  finalized: "Settled",
  cancelled: "Not placed",
  refunded: "Refunded",
  errored: "Delayed",
};
const ENDED_TEXT = {
  operator: "The casino has ended this session. Your plays are settled as usual.",
  player_exit: "You have left the game. Your plays are settled as usual.",
  heartbeat_timeout: "This session ended after a while without activity. Open the game again from the casino.",
  link: "This game link has expired or was already used. Go back to the casino and open the game again.",
  no_link: "This page opens from the casino with a game link. Go back to the casino and open the game again.",
  signed_out: "Your session is no longer valid. Open the game again from the casino.",
  self_exclusion: "Your account is excluded from play: this session has ended. Withdrawals still work.",
  password_changed: "Your password was changed: this session has ended. Sign in again.",
  blocked: "Your account is blocked. Contact the casino's support.",
};
const REFUSAL_TEXT = {
  insufficient_funds: "You do not have enough funds for this stake. Nothing was charged.",
  game_unavailable: "This game is not available right now. Nothing was charged.",
  maintenance: "This game is in maintenance. Please try again later. Nothing was charged.",
  limit_exceeded: "A responsible-gaming limit on your account stops this play. Nothing was charged.",
  self_excluded: "Your account is excluded from play at the moment. Nothing was charged.",
  user_blocked: "Your account is blocked: this play was refused. Nothing was charged. Contact the casino.",
};

const state = {
  auth: null, // the auth token: memory only
  client: {},
  games: new Map(), // game id -> game
  seen: new Map(), // series id -> {commitment, seenAt}: commitments received, and when
  pending: null, // a play sent whose answer is not known yet: {game, stake, playId, sentAt}
  current: null, // the contract on the ticket, and its game
  cursor: null,
  heartbeat: 0,
  reality: 0, // the timer of the next reality check
  accountsSaid: "",
  play: 0, // the number of the play on the ticket (an earlier play's flow stops touching it)
  ended: false,
  busy: false,
};

class ApiError extends Error {
  constructor(status, error) {
    super(typeof error.message === "string" && error.message ? error.message : `The server answered ${status}.`);
    this.status = status;
    this.code = typeof error.code === "string" ? error.code : `http_${status}`;
    this.error = error;
  }
}
class NetworkError extends Error {}

const $ = (id) => document.getElementById(id);

function node(tag, text, className) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = String(text);
  if (className) made.className = className;
  return made;
}

function button(label, onClick, quiet) {
  const made = node("button", label, quiet ? "quiet" : undefined);
  made.type = "button";
  made.addEventListener("click", onClick);
  return made;
}

function money(amount, currency) {
  return `${amount} ${currency}`;
}

function sleep(ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener("online", done); // back online: try at once
  });
}

// ------------------------------------------------------------------ the API
async function api(method, path, body) {
  if (state.ended) throw new ApiError(401, { code: "ended", message: "The session has ended." });
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.auth) headers.Authorization = `Bearer ${state.auth}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response;
  let data = null;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      signal: controller.signal,
    });
    data = await response.json().catch(() => null);
  } catch {
    throw new NetworkError("The connection to the casino was lost.");
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    throw new ApiError(response.status, data && typeof data.error === "object" && data.error ? data.error : {});
  }
  if (data === null || typeof data !== "object") throw new NetworkError("The casino's answer did not arrive whole.");
  return data;
}

function retryable(error) {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError && error.error.retry_after_s !== undefined) return false; // a lockout: not now
  if (!(error instanceof ApiError) || error.code in REFUSAL_TEXT) return false; // maintenance is a 503, and final
  return error.status >= 500 || error.status === 429 || error.error.retryable === true;
}

function problemText(error) {
  if (error instanceof NetworkError) return "The connection to the casino was lost.";
  if (error instanceof ApiError && error.status >= 500) return "The casino is not answering right now.";
  if (error instanceof ApiError && (error.status === 429 || error.error.retryable)) return "The game is busy.";
  return error instanceof Error ? error.message : "Something went wrong.";
}

// A call that is safe to repeat, repeated while the failure is worth retrying.
async function persist(what, call) {
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await call();
      if (attempt > 1) status("");
      return answer;
    } catch (error) {
      if (!retryable(error) || attempt > AUTO_RETRIES || state.ended) {
        if (attempt > 1) status("");
        throw error;
      }
      status(`${problemText(error)} Trying ${what} again…`);
      await sleep(delay + Math.random() * delay * 0.5);
      delay = Math.min(delay * 2, 8000);
    }
  }
}

// ------------------------------------------------------------------ what the player sees
function status(text) {
  $("status").textContent = text;
}

function notice(text, actions = [], tone = "problem") {
  const box = $("notice");
  $("notice-text").textContent = text;
  const holder = $("notice-actions");
  holder.replaceChildren(...actions.map(([label, act]) => button(label, act)));
  box.dataset.tone = tone;
  box.hidden = false;
  focusOn("notice-text"); // read first; a held key cannot dismiss it unread
}

function clearNotice() {
  $("notice").hidden = true;
  $("notice-actions").replaceChildren();
}

function showAccounts(accounts) {
  if (!Array.isArray(accounts)) return;
  const said = JSON.stringify(accounts.map((a) => [a.ref_id || a.id, a.amount, a.currency, a.status]));
  if (said === state.accountsSaid) return; // unchanged: not announced again
  state.accountsSaid = said;
  const rows = accounts
    .filter((a) => a && (a.status === undefined || a.status === "active"))
    .map((account) => {
      const row = node("div");
      row.append(node("dt", account.ref_id || account.id), node("dd", money(account.amount, account.currency)));
      return row;
    });
  $("balances").replaceChildren(...rows);
}

function setBusy(busy) {
  state.busy = busy;
  for (const play of document.querySelectorAll("#games button")) play.disabled = busy || state.ended;
  $("again").disabled = busy;
}

function focusOn(id, keepScroll = false) {
  const target = $(id);
  target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: keepScroll });
}

// ------------------------------------------------------------------ games and their commitments
function facts(list, pairs) {
  list.replaceChildren();
  for (const [label, value] of pairs) {
    const wrap = node("div");
    const dd = node("dd");
    dd.append(typeof value === "string" && /^[0-9a-f]{64}$/.test(value) ? node("code", value) : String(value));
    wrap.append(node("dt", label), dd);
    list.append(wrap);
  }
}

function when(ms) {
  return Number.isFinite(ms) ? new Date(ms).toLocaleString() : "—";
}

function showGames(games) {
  if (!Array.isArray(games)) return;
  const now = Date.now();
  state.games = new Map(games.map((g) => [g.id, g]));
  for (const game of games) {
    const c = game.commitment;
    if (c && c.series_id && !state.seen.has(c.series_id)) {
      state.seen.set(c.series_id, { commitment: c, seenAt: now, gameId: game.id });
    }
  }
  const first = state.client.game_id;
  const ordered = [...games].sort((a, b) => (b.id === first) - (a.id === first));
  const template = $("game-template");
  const items = ordered.map((game) => {
    const item = template.content.firstElementChild.cloneNode(true);
    item.querySelector(".game-name").textContent = game.name;
    item.querySelector(".game-stake").textContent = `Instant win · ${game.currency}`;
    const stakes = item.querySelector(".stakes");
    for (const stake of game.stakes || []) {
      const play = button(`Play for ${money(stake, game.currency)}`, () => startPlay(game, stake));
      play.setAttribute("aria-label", `Play for ${money(stake, game.currency)}, ${game.name}`);
      play.disabled = state.busy || state.ended;
      stakes.append(play);
    }
    const c = game.commitment;
    if (c) {
      facts(item.querySelector(".facts"), [
        ["Series", c.series_id],
        ["Tickets", c.tickets],
        ["Root", c.root],
        ["Published", when(c.committed_at)],
      ]);
    } else {
      item.querySelector(".commitment").hidden = true;
    }
    return item;
  });
  $("games").replaceChildren(...items);
  $("no-games").hidden = games.length > 0;
}

async function refreshGames() {
  try {
    showGames((await persist("the games", () => api("GET", "games"))).games);
  } catch (error) {
    handleLost(error);
  }
}

// ------------------------------------------------------------------ playing
function newPlayId() {
  return crypto.randomUUID();
}

function showTicket(cardState, text) {
  const ticket = $("ticket");
  if (ticket.hidden) {
    ticket.hidden = false;
    ticket.scrollIntoView({ block: "nearest" });
  }
  $("card").dataset.state = cardState;
  $("ticket-status").textContent = text;
}

function startPlay(game, stake) {
  if (state.busy || state.ended) return;
  clearNotice();
  state.current = null;
  $("prize").textContent = "";
  $("verify").hidden = true;
  $("again").hidden = true;
  $("fairness").hidden = true;
  $("prize-said").textContent = "";
  state.play += 1; // a flow still settling an earlier play stops touching the ticket
  state.pending = { game, stake, playId: newPlayId(), sentAt: Date.now(), play: state.play };
  sendPlay();
}

// Whether the flow of play number ``play`` may still change what the player sees.
function live(play) {
  return !state.ended && play === state.play;
}

// Sends the pending play; every retry, automatic or the player's, sends the same play_id.
async function sendPlay() {
  const pending = state.pending;
  if (!pending || state.ended) return;
  setBusy(true);
  clearNotice();
  showTicket("waiting", `Buying a ticket for ${money(pending.stake, pending.game.currency)}…`);
  $("ticket").scrollIntoView({ block: "start" });
  focusOn("ticket-title", true); // keyboard focus follows the play (and a held Enter lands nowhere)
  let answer;
  try {
    answer = await persist("your play", () =>
      api("POST", "play", { game_id: pending.game.id, stake: pending.stake, play_id: pending.playId }),
    );
  } catch (error) {
    if (state.ended) return;
    if (retryable(error)) {
      showTicket("idle", "Your play is kept: trying again sends the same play, so it is never bought twice.");
      notice(`${problemText(error)} We could not confirm your play.`, [["Try again", sendPlay]], "info");
      return; // still busy: no other play until this one is known
    }
    state.pending = null;
    setBusy(false);
    $("ticket").hidden = true;
    refused(error);
    return;
  }
  if (state.ended) return;
  state.pending = null;
  await follow(answer.contract, pending.game, pending.sentAt, pending.play);
}

function refused(error) {
  if (handleLost(error)) return;
  const code = error instanceof ApiError ? error.code : "";
  if (code === "reality_check_due") return realityCheck();
  if (code === "session_expired") return end("operator");
  const text = REFUSAL_TEXT[code] || `The casino refused this play: ${problemText(error)}`;
  notice(text, [["OK", () => (clearNotice(), focusOn("games-title"))]]);
  if (code === "game_unavailable" || code === "maintenance") refreshGames();
}

async function poll(contract) {
  const answer = await persist("to reach the casino", () =>
    api("GET", `contracts/${encodeURIComponent(contract.id)}`),
  );
  if (!state.ended) showAccounts(answer.contract.balance);
  return answer.contract;
}

// From a play's answer to its settlement: wait for the bet, reveal, view_done, settle. Every
// step after an await checks that the page is still on this play (``live``).
async function follow(first, game, sentAt, play) {
  let contract = first;
  state.current = { contract, game, sentAt, shown: null };
  showAccounts(contract.balance);
  try {
    for (let i = 0; !contract.reveal && !TERMINAL.has(contract.status) && i < PLACE_POLLS; i++) {
      showTicket("waiting", "The casino is still confirming your bet…");
      await sleep(1000);
      if (!live(play)) return;
      contract = await poll(contract);
      if (!live(play)) return;
      state.current.contract = contract;
    }
  } catch (error) {
    if (live(play)) followLost(error, contract, game, sentAt, play);
    return;
  }
  if (!contract.reveal) {
    setBusy(false);
    if (TERMINAL.has(contract.status)) {
      const said = contract.status === "refunded" ? "Your bet was refunded." : "Your bet was not placed.";
      showTicket("idle", `${said} Nothing was charged.`);
      if (contract.error) refused(new ApiError(409, contract.error));
    } else {
      showTicket("idle", "Your bet is taking long to confirm. It will be settled automatically; see the history.");
    }
    $("again").hidden = false;
    loadHistory(true);
    return;
  }
  // the reveal as drawn and shown: the fairness check is of this one, whatever comes later
  state.current.shown = JSON.parse(JSON.stringify(contract.reveal));
  await reveal(contract, game);
  if (live(play)) await settle(contract, game, sentAt, play);
}

function followLost(error, contract, game, sentAt, play) {
  if (handleLost(error)) return;
  showTicket("idle", "Your play is safe on the casino's side; we lost track of it here.");
  const again = () => (clearNotice(), follow(contract, game, sentAt, play));
  notice(`${problemText(error)}`, [["Check again", again]], "info");
}

function reveal(contract, game) {
  const { won, prize } = contract.reveal;
  const card = $("card");
  card.dataset.won = String(Boolean(won));
  $("prize").textContent = won ? `You won ${money(prize, contract.currency || game.currency)}!` : "No win this time";
  showTicket("revealing", "Revealing your ticket…");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  return new Promise((resolve) => {
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      card.dataset.state = "revealed";
      $("verify").hidden = false;
      $("prize-said").textContent = $("prize").textContent; // announced once the reveal ends
      resolve();
    };
    if (reduced) return done();
    card.querySelector(".card-cover").addEventListener("animationend", done, { once: true });
    setTimeout(done, 2000); // the reveal ends even if no animation ran
  });
}

function sameReveal(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function settle(first, game, sentAt, play) {
  let contract = first;
  showTicket("revealed", first.reveal.won ? "Paying your win…" : "Settling your ticket…");
  try {
    const seen = await persist("to confirm", () => api("POST", "view_done", { contract_id: contract.id }));
    if (!live(play)) return;
    contract = seen.contract;
    showAccounts(contract.balance);
    $("again").hidden = false;
    setBusy(false);
    for (let i = 0; !TERMINAL.has(contract.status) && contract.status !== "errored" && i < SETTLE_POLLS; i++) {
      await sleep(Math.min(500 * (i + 1), 3000));
      if (!live(play)) return;
      contract = await poll(contract);
      if (!live(play)) return;
    }
  } catch (error) {
    if (!live(play)) return;
    setBusy(false);
    $("again").hidden = false;
    if (handleLost(error)) return;
    showTicket("revealed", "Your ticket is settled automatically even if this page loses the connection.");
    notice(problemText(error), [["Check again", () => (clearNotice(), settle(contract, game, sentAt, play))]], "info");
    return;
  }
  state.current = { ...state.current, contract };
  await refreshGames(); // a series may have rolled over: the next play's commitment is known before it
  if (!live(play)) return;
  if (contract.reveal && !sameReveal(contract.reveal, state.current.shown)) {
    showTicket("revealed", "The casino's record of this ticket differs from the one shown: check it with Verify.");
  } else if (contract.status === "finalized") {
    showTicket("revealed", contract.reveal.won ? "Paid. Your balance is up to date." : "Settled.");
  } else if (contract.status === "errored") {
    showTicket("revealed", "Your settlement is delayed. It is retried automatically: nothing is lost.");
  } else {
    showTicket("revealed", "Your settlement is still under way. It completes automatically; see the history.");
  }
  loadHistory(true);
}

// ------------------------------------------------------------------ the fairness check
async function showFairness() {
  const current = state.current;
  if (!current || !current.shown) return;
  const { contract, game, sentAt, shown } = current;
  const proof = shown.proof || {};
  if (!state.seen.has(proof.series_id)) await refreshGames(); // a series that rolled over during the play
  const held = state.seen.get(proof.series_id);
  const ours = held && held.gameId === game.id ? held : null; // only a series of THIS game
  // announced to the page before the play was sent: fixed before the player played
  const before = ours && ours.seenAt <= sentAt ? ours.commitment : null;
  const after = ours && !before ? ours.commitment : null;
  const places = decimalPlaces((game.stakes || [])[0] || contract.stake);
  const verdict = $("fairness-verdict");
  verdict.textContent = "Checking…";
  delete verdict.dataset.ok;
  $("fairness").hidden = false;
  facts($("fairness-facts"), [
    ["Prize", money(shown.prize, contract.currency || game.currency)],
    ["Ticket", `${Number(proof.position) + 1} of ${proof.tickets}`],
    ["Series", proof.series_id],
    ["Salt", proof.salt],
    ["Root published", (before || after) ? (before || after).root : "not received for this game"],
    ["Published at", (before || after) ? when((before || after).committed_at) : "—"],
  ]);
  focusOn("fairness-title");
  let result;
  try {
    result = await checkReveal(shown, before || after, places);
  } catch {
    result = { ok: false, problem: "this browser could not compute the check" };
  }
  if (result.ok && contract.reveal && !sameReveal(contract.reveal, shown)) {
    result = { ok: false, problem: "the casino's record of this ticket changed after it was shown" };
  }
  if (result.ok && !before) {
    // the series began with this very play (the last one sold out): its proof holds, but the page
    // saw its commitment only afterwards, so it cannot tell by itself that it was fixed before
    verdict.dataset.ok = "partial";
    verdict.textContent =
      "The proof holds for a new series that began with this play. This page received its commitment only " +
      "after your play, so it cannot confirm by itself that the prize was fixed before.";
    return;
  }
  verdict.dataset.ok = String(result.ok);
  verdict.textContent = result.ok
    ? "Verified: this prize was fixed in the series before you played."
    : `Not verified: ${result.problem}.`;
}

// ------------------------------------------------------------------ history
async function loadHistory(fresh) {
  if (state.ended) return;
  const query = !fresh && state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : "";
  let answer;
  try {
    answer = await persist("the history", () => api("GET", `history${query}`));
  } catch (error) {
    if (!handleLost(error)) status(`${problemText(error)} The history could not be loaded.`);
    return;
  }
  const rows = answer.contracts.map((contract) => {
    const row = node("tr");
    const game = state.games.get(contract.game_id);
    const prize = contract.reveal ? money(contract.reveal.prize, contract.currency) : "—";
    row.append(
      node("td", new Date(contract.start_date).toLocaleTimeString()),
      node("td", game ? game.name : contract.game_id),
      node("td", money(contract.stake, contract.currency)),
      node("td", prize),
      node("td", STATUS_TEXT[contract.status] || contract.status),
    );
    return row;
  });
  const body = $("history-rows");
  if (fresh) body.replaceChildren(...rows);
  else body.append(...rows);
  state.cursor = answer.next_cursor || null;
  $("history-more").hidden = !state.cursor;
  $("history-empty").hidden = body.children.length > 0;
  $("history").hidden = false;
}

// ------------------------------------------------------------------ the reality check
function minutesOf(seconds) {
  const minutes = Math.floor(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

// Shows the time played and the net position; the player acknowledges it to play on.
async function realityCheck() {
  let answer;
  try {
    answer = await persist("the reality check", () => api("GET", "reality_check"));
  } catch (error) {
    if (!handleLost(error)) status(`${problemText(error)} The reality check could not be loaded.`);
    return;
  }
  if (!answer.minutes) return;
  $("reality-text").textContent =
    `You have played for ${minutesOf(answer.elapsed_s)} in this session. ` +
    `Staked ${money(answer.staked, answer.currency)}, won ${money(answer.won, answer.currency)}: ` +
    `net ${money(answer.net, answer.currency)}.`;
  setBusy(true);
  $("reality").hidden = false;
  $("reality-continue").focus();
}

function scheduleRealityCheck(answer) {
  clearTimeout(state.reality);
  if (!answer || !answer.minutes || state.ended) return;
  const wait = Math.max(0, answer.due_at - answer.checked_at); // on the server's clock, not this device's
  state.reality = setTimeout(realityCheck, Math.min(wait, 2 ** 31 - 1));
}

async function acknowledgeRealityCheck() {
  let answer;
  try {
    answer = await persist("to go on", () => api("POST", "reality_check"));
  } catch (error) {
    if (!handleLost(error)) notice(problemText(error), [["Try again", acknowledgeRealityCheck]]);
    return;
  }
  $("reality").hidden = true;
  setBusy(Boolean(state.pending)); // a play still unconfirmed keeps the others off
  focusOn("games-title");
  scheduleRealityCheck(answer);
}

async function startRealityCheck() {
  try {
    scheduleRealityCheck(await api("GET", "reality_check"));
  } catch {
    // none for this session (another casino's wallet), or not now: the play is refused if due
  }
}

// ------------------------------------------------------------------ the session
function handleLost(error) {
  if (!(error instanceof ApiError)) return false;
  if (error.code === "session_closed") {
    end(error.error.end_reason || "operator", error.message);
    return true;
  }
  if (error.status === 401) {
    end("signed_out");
    return true;
  }
  return false;
}

function end(reason, fallback) {
  if (state.ended) return; // the first reason stands (a late answer cannot change it)
  state.ended = true;
  state.auth = null;
  state.pending = null;
  clearInterval(state.heartbeat);
  clearTimeout(state.reality);
  clearNotice();
  status("");
  for (const id of ["loading", "lobby", "ticket", "fairness", "history", "reality"]) $(id).hidden = true;
  $("exit").hidden = true;
  $("ended-title").textContent = reason === "link" || reason === "no_link" ? "This link cannot be used" : "Session ended";
  $("ended-text").textContent = ENDED_TEXT[reason] || fallback || ENDED_TEXT.signed_out;
  const back = $("return");
  const target = safeAddress(state.client.return_url);
  back.hidden = !target;
  if (target) back.href = target;
  $("ended").hidden = false;
  focusOn("ended-title");
}

function safeAddress(text) {
  if (typeof text !== "string") return null;
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

async function beat() {
  if (state.ended || !state.auth) return;
  try {
    const answer = await api("POST", "heartbeat");
    showAccounts(answer.accounts);
  } catch (error) {
    if (!handleLost(error) && retryable(error)) status("Connection lost. Reconnecting…");
    return;
  }
  if (!state.pending && $("status").textContent.startsWith("Connection lost")) status("");
}

async function exit() {
  if (state.ended) return;
  $("exit").disabled = true;
  try {
    await persist("to leave", () => api("POST", "exit"));
  } catch (error) {
    if (handleLost(error)) return;
    $("exit").disabled = false;
    notice(`${problemText(error)} You have not left yet.`, [["Try again", exit]]);
    return;
  }
  end("player_exit");
}

// Our own casino's players may sign in with a password (player-accounts.md): the page opened as
// /play?operator=<a brand's code>, without a link's token.
function showSignIn(operator) {
  $("loading").hidden = true;
  $("signin").hidden = false;
  $("username").focus();
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = $("username").value.trim();
    const password = $("password").value;
    const error = $("signin-error");
    if (!username || !password) {
      error.textContent = "Enter your username and your password.";
      return;
    }
    error.textContent = "";
    $("signin-submit").disabled = true;
    let answer;
    try {
      answer = await persist("to sign in", () => api("POST", "password_login", { operator, username, password }));
    } catch (problem) {
      $("signin-submit").disabled = false;
      if (problem instanceof ApiError && problem.status === 401) {
        error.textContent = "Wrong username or password.";
      } else if (problem instanceof ApiError && problem.status === 429) {
        const minutes = Math.max(1, Math.ceil(Number(problem.error.retry_after_s || 60) / 60));
        error.textContent = `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
      } else {
        error.textContent = problemText(problem);
      }
      return;
    }
    $("password").value = "";
    $("signin").hidden = true;
    enter(answer);
  });
}

async function start() {
  const query = new URLSearchParams(window.location.search);
  const token = query.get("token");
  const operator = query.get("operator");
  // the one-time token leaves the address bar (a brand's sign-in address keeps its operator)
  window.history.replaceState(null, "", window.location.pathname + (operator ? `?operator=${encodeURIComponent(operator)}` : ""));
  $("exit").addEventListener("click", exit);
  $("again").addEventListener("click", () => {
    $("ticket").hidden = true;
    $("fairness").hidden = true;
    focusOn("games-title");
  });
  $("verify").addEventListener("click", showFairness);
  $("fairness-close").addEventListener("click", () => {
    $("fairness").hidden = true;
    $("verify").focus();
  });
  $("history-more").addEventListener("click", () => loadHistory(false));
  $("reality-continue").addEventListener("click", acknowledgeRealityCheck);
  $("reality-exit").addEventListener("click", exit);
  if (!token && operator) return showSignIn(operator);
  if (!token) return end("no_link");
  signIn(token);
}

// The link's one-time token, kept in memory until it is used or refused for good (the server
// frees it when the casino did not answer, so it can be tried again).
async function signIn(token) {
  clearNotice();
  $("loading").hidden = false;
  let answer;
  try {
    answer = await persist("to sign in", () => api("POST", "login", { client_token: token }));
  } catch (error) {
    $("loading").hidden = true;
    if (error instanceof ApiError && error.status === 401) return end("link");
    if (error instanceof ApiError && error.code === "user_blocked") return end("blocked");
    if (handleLost(error)) return;
    if (retryable(error)) {
      return notice(`${problemText(error)} Try again now. Open the game again from the casino if it keeps failing.`, [
        ["Try again", () => signIn(token)],
      ]);
    }
    return end("refused", `The casino did not open this game: ${problemText(error)}`);
  }
  enter(answer);
}

// Signed in (by the link's token or a password): the session's games, balances and history.
function enter(answer) {
  state.auth = answer.auth_token;
  state.client = answer.client || {};
  showAccounts(answer.accounts);
  showGames(answer.games);
  $("loading").hidden = true;
  $("lobby").hidden = false;
  $("exit").disabled = false;
  const every = Math.max(5, Math.min(30, Math.floor((state.client.heartbeat_timeout_s || 120) / 4)));
  state.heartbeat = setInterval(beat, every * 1000);
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && beat());
  loadHistory(true);
  startRealityCheck();
}

start();
