// The flow's state and actions: calls the widget API, follows attempts by long-poll, tells the
// host what happens. The screens only read `state` and call these methods.
import { Api, ApiError, type Attempt, type Completion, type FileStored, type SessionView, type SignIn, type Utility } from "./api";
import { Authorization, POPUP_FEATURES, POPUP_NAME, type Opener, type Timer } from "./authorization";
import { MAX_UPLOAD_BYTES } from "./files";
import {
  backCancelsAttempt, backFrom, exitStatusFor, methodScreen, mfaStarted, resultForAttempt, screenForAttempt, screenForSession,
  searchParams, setupKeyProblem, takesSetupKey, wrongCode,
  type AuthorizationEnd, type ResultKind, type Screen,
} from "./flow";
import type { Metadata, Reporter } from "./host";
import type { MessageKey } from "./i18n";

export interface State {
  screen: Screen;
  session: SessionView | null;
  attempt: Attempt | null;
  completion: Completion | null;
  result: ResultKind | null;
  /** A message for the current screen (announced): an error, or a notice like "code resent". */
  error: MessageKey | null;
  notice: MessageKey | null;
  /** Attempts left after a wrong MFA code. */
  wrongCode: number | null;
  /** Waiting for the server (buttons disabled, "Checking…"). */
  busy: boolean;
  /** The utility screen's search, kept here so Back (and every answer) finds it as it was. */
  search: UtilitySearch;
  upload: FileUpload;
  greenButton: GreenButtonTrip;
}

/** Connecting through the utility's website (Green Button Connect My Data). */
export interface GreenButtonTrip {
  /** Where the utility's window goes (the link opens it when no window could be opened). */
  url: string | null;
  /** No window could be opened (a popup blocker, a sandboxed frame): a link opens the URL. */
  blocked: boolean;
  /** The window was closed while the authorization was still pending. */
  windowClosed: boolean;
  /** How the trip ended without sharing, and the server's words for it. */
  end: AuthorizationEnd | null;
  message: string | null;
  /** Why the server would not start one (e.g. 409 conflict), in its own words. */
  problem: string | null;
}

const NO_TRIP: GreenButtonTrip = { url: null, blocked: false, windowClosed: false, end: null, message: null, problem: null };

/** The upload screen's file, from the pick to the stored file's summary. */
export interface FileUpload {
  /** The file picked last. */
  file: { name: string; size: number } | null;
  /** While it is being sent: bytes sent of the total (all sent: the server is reading it). */
  progress: { sent: number; total: number } | null;
  /** Why the last file was not taken; `detail` is the server's own words for a file it could
   * not read (422 invalid_file), shown as they are. */
  problem: MessageKey | null;
  detail: string | null;
  /** The stored file: what it held, and the attempt that `continueWithFile` completes. */
  stored: FileStored | null;
}

export interface UtilitySearch {
  /** What the end user typed: a ZIP code or a name. */
  query: string;
  /** The list under the field; null until the first answer. */
  results: Utility[] | null;
  /** Where a ZIP code search put the utility that serves it first (pre-selected). */
  bestMatch: string | null;
  selected: string | null;
  problem: MessageKey | null;
}

export interface Deps {
  api: Api;
  reporter: Reporter;
  /** Called once the session token is known or gone, to keep it for a reload. */
  persist(token: string | null, hostOrigin: string | null): void;
  sleep?: (ms: number) => Promise<void>;
  /** Where the utility's window opens from (the page's window; none: only the link is offered). */
  opener?: Opener | null;
  /** The Green Button poll's clock (setTimeout unless given). */
  timer?: Timer;
}

export type Opening = { frame_ticket: string } | { connect_link_token: string };

const TERMINAL: ReadonlySet<Screen> = new Set(["success", "result", "closed"]);

export class Controller {
  state: State = {
    screen: "loading", session: null, attempt: null, completion: null, result: null,
    error: null, notice: null, wrongCode: null, busy: false,
    search: { query: "", results: null, bestMatch: null, selected: null, problem: null },
    upload: { file: null, progress: null, problem: null, detail: null, stored: null },
    greenButton: NO_TRIP,
  };
  /** The last username typed (never the password): "Try again" and Back keep it. */
  username = "";
  private listeners = new Set<() => void>();
  private polling: AbortController | null = null;
  private inputSeq: number | null = null; // seq when the end user last sent MFA input
  private closing = false;
  private opening: Opening | null = null;
  private sending: AbortController | null = null; // the file upload under way
  private completing = false; // complete() is asked once: onSuccess fires once
  private searches = 0; // answers to an older search are dropped
  private authorization: Authorization | null = null; // the trip to the utility's website
  private trips = 0; // a trip asked for before Cancel, Back or Close is dropped when it starts
  private method: "login" | "green_button" = "login"; // what "Try again" goes back to
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: Deps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<State>): void {
    const before = this.state.screen;
    this.state = { ...this.state, ...patch };
    if (patch.screen && patch.screen != before) {
      this.deps.reporter.event("TRANSITION_VIEW", { view: patch.screen });
    }
    for (const listener of this.listeners) listener();
  }

  private go(screen: Screen, patch: Partial<State> = {}): void {
    this.set({ error: null, notice: null, busy: false, ...patch, screen });
  }

  // --- start -----------------------------------------------------------------------------

  /** Trade the ticket (or link token) once, or resume the saved session after a reload. The host
   * hears `ready` only once the UI has painted the first screen this leads to (`shown`). */
  async start(opening: Opening | null): Promise<void> {
    this.opening = opening;
    if (this.state.screen != "loading") this.go("loading", { result: null });
    try {
      let session: SessionView;
      if (opening) {
        const started = await this.deps.api.start(opening);
        this.deps.api.token = started.session_token;
        this.deps.persist(started.session_token, started.host_origin ?? started.session.host_origin ?? null);
        session = started.session;
      } else if (this.deps.api.token) {
        session = await this.deps.api.session();
      } else {
        throw new ApiError(401, "token_invalid", "", null);
      }
      this.set({ session });
      // The loader keeps what events say (session, utility) for an onExit it must send itself.
      const utility = session.utility ? { utility_id: session.utility.id, utility_name: session.utility.name } : {};
      this.deps.reporter.event("OPEN", { session_id: session.id, mode: session.mode, ...utility });
      await this.open(session);
    } catch (error) {
      // Without a session there is no screen to stay on: say so, with a way to try again.
      if (this.state.session) this.fail(error);
      else if (error instanceof ApiError && error.status == 401) this.go("result", { result: "ended" });
      else this.go("result", { result: "notStarted", error: startError(error) });
    }
  }

  /** "Try again" after Connect could not start (the network, say): the same ticket again. A
   * ticket the server did take is refused the second time, which shows "This session has ended". */
  restart(): Promise<void> {
    return this.start(this.opening);
  }

  /** The UI has painted its first real screen: only now is the host told `ready` (onLoad). */
  shown(): void {
    this.deps.reporter.ready();
  }

  private async open(session: SessionView): Promise<void> {
    const attempt = session.attempt;
    if (attempt && !attempt.finished) return this.track(attempt);
    const first = screenForSession(session);
    if (first == "ended") return this.go("result", { result: "ended" });
    if (first == "mfa_refresh") return this.startAttempt({});
    this.go(first);
  }

  // --- consent and utility ---------------------------------------------------------------

  async agree(): Promise<void> {
    const session = this.state.session;
    if (!session || this.state.busy) return;
    await this.run(async () => {
      const next = await this.deps.api.consent(session.consent_version);
      this.go(next.step == "credentials" ? screenForSession(next) as Screen : "utility", { session: next });
    });
  }

  /** The end user typed in the search field (searching waits for `search`). */
  typeQuery(query: string): void {
    this.setSearch({ query });
  }

  /** Search for what the field holds: a ZIP code lists the utilities serving it, best first (and
   * selects it); a name searches names; nothing lists all. `asked`: Enter was pressed, so a
   * half-typed ZIP code is worth a message. Only a real search is a SEARCH_UTILITY event. */
  async search(asked = false): Promise<void> {
    const params = searchParams(this.state.search.query);
    if (!params) return asked ? this.setSearch({ problem: "utility.zipInvalid" }) : undefined;
    if ("zip" in params || "q" in params) {
      this.deps.reporter.event("SEARCH_UTILITY", { by: "zip" in params ? "zip" : "name" });
    }
    const ticket = ++this.searches;
    try {
      const found = (await this.deps.api.utilities(params)).data;
      if (ticket != this.searches) return;
      const best = "zip" in params ? found[0]?.id ?? null : null;
      const kept = found.some((u) => u.id == this.state.search.selected) ? this.state.search.selected : null;
      this.setSearch({
        results: found, bestMatch: best, selected: best ?? kept, problem: found.length ? null : "utility.none",
      });
    } catch {
      if (ticket == this.searches) this.setSearch({ problem: "networkError" });
    }
  }

  selectUtility(id: string): void {
    this.setSearch({ selected: id, problem: null });
  }

  /** Continue on the utility screen: the selected utility, or say one must be chosen. */
  async chooseSelected(): Promise<void> {
    const { results, selected } = this.state.search;
    const utility = results?.find((u) => u.id == selected);
    if (!utility) return this.setSearch({ problem: "utility.choose" });
    await this.chooseUtility(utility);
  }

  private setSearch(patch: Partial<UtilitySearch>): void {
    this.set({ search: { ...this.state.search, ...patch } });
  }

  async chooseUtility(utility: Utility): Promise<void> {
    await this.run(async () => {
      const session = await this.deps.api.chooseUtility(utility.id);
      this.deps.reporter.event("SELECT_UTILITY", { utility_id: utility.id, utility_name: utility.name });
      this.go(methodScreen(utility), { session });
    });
  }

  // --- sign-in and MFA -------------------------------------------------------------------

  /** `setupKey`: the authenticator app's key, for utilities that sign in with one (required in
   * create mode; in update mode an empty one keeps the key given before). */
  async submitCredentials(username: string, password: string, setupKey = ""): Promise<void> {
    this.username = username;
    if (!username || !password) return this.set({ error: "credentials.missing" });
    const body: SignIn = { username, password };
    if (takesSetupKey(this.state.session?.utility)) {
      const problem = setupKeyProblem(setupKey, this.state.session?.mode != "update");
      if (problem) return this.set({ error: problem == "missing" ? "credentials.keyMissing" : "credentials.keyInvalid" });
      if (setupKey.trim()) body.totp_secret = setupKey.trim();
    }
    this.deps.reporter.event("SUBMIT_CREDENTIALS", {});
    await this.startAttempt(body);
  }

  private async startAttempt(body: SignIn): Promise<void> {
    await this.run(async () => {
      const attempt = await this.deps.api.submit(body);
      this.deps.reporter.event("CONNECTING", {});
      await this.track(attempt);
    });
  }

  async chooseMfa(optionId: string): Promise<void> {
    const attempt = this.state.attempt;
    const option = attempt?.mfa?.options.find((o) => o.id == optionId);
    if (!attempt || !option) return;
    this.deps.reporter.event("SELECT_MFA_METHOD", { method: option.method });
    await this.sendInput(() => this.deps.api.mfaOption(attempt.id, optionId));
  }

  async submitCode(code: string): Promise<void> {
    const attempt = this.state.attempt;
    if (!attempt || !code.trim()) return;
    this.deps.reporter.event("SUBMIT_MFA", {});
    await this.sendInput(() => this.deps.api.mfaCode(attempt.id, code.trim()));
  }

  async resend(): Promise<void> {
    const attempt = this.state.attempt;
    if (!attempt) return;
    await this.sendInput(() => this.deps.api.resend(attempt.id), "mfa.resent");
  }

  /** MFA input is recorded by the API; the worker answers by bumping seq (seen by the poll). */
  private async sendInput(send: () => Promise<Attempt>, notice: MessageKey | null = null): Promise<void> {
    if (this.state.busy) return;
    this.inputSeq = this.state.attempt?.seq ?? 0;
    this.set({ busy: true, error: null, notice, wrongCode: null });
    try {
      await send();
    } catch (error) {
      this.inputSeq = null;
      this.fail(error);
    }
  }

  // --- following an attempt --------------------------------------------------------------

  /** Show `attempt`, then follow it in the background (returns once it is shown). */
  private async track(attempt: Attempt): Promise<void> {
    this.polling?.abort();
    const polling = new AbortController();
    this.polling = polling;
    await this.apply(attempt);
    void this.poll(attempt.id, attempt.seq, polling.signal);
  }

  /** One long-poll at a time, each answered when the attempt changes (or after 25 s). */
  private async poll(attemptId: string, seq: number, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted && !this.state.attempt?.finished) {
      try {
        const next = await this.deps.api.follow(attemptId, seq, signal);
        failures = 0;
        seq = Math.max(seq, next.seq);
        if (!signal.aborted) await this.apply(next);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiError && (error.status == 401 || error.status == 404)) return this.fail(error);
        failures += 1; // network trouble: back off (2 s, 4 s … 30 s), never a tight loop
        await this.sleep(Math.min(30_000, 1000 * 2 ** failures));
      }
    }
  }

  /** Show what a (newer) view of the attempt says. */
  private async apply(next: Attempt): Promise<void> {
    const previous = this.state.attempt;
    if (previous && previous.id == next.id && next.seq <= previous.seq) return;
    const answered = this.inputSeq != null && next.seq > this.inputSeq;
    if (answered) this.inputSeq = null;
    const busy = this.inputSeq != null;
    const screen = screenForAttempt(next);
    const wrong = wrongCode(previous, next);
    const keepNotice = answered ? null : this.state.notice;
    if (mfaStarted(previous, next)) {
      this.deps.reporter.event("MFA_REQUIRED", { mfa_methods: next.mfa?.options.map((o) => o.method) ?? [] });
    }
    if (wrong != null) this.deps.reporter.event("MFA_CODE_INVALID", { attempts_left: wrong });
    if (screen == "success") return this.finish(next.id, { attempt: next });
    if (next.status == "cancelled") {
      // Back from the MFA dialog, now ended on the server: the sign-in form, ready for a new try.
      this.polling?.abort();
      this.polling = null;
      return this.go("credentials", { attempt: next, result: null, wrongCode: null });
    }
    if (screen == "result") {
      const result = resultForAttempt(next);
      // PENDING is not an error: it carries no error_code.
      if (result == "pending") this.deps.reporter.event("PENDING", {});
      else this.deps.reporter.event("ERROR", { error_code: next.status_detail ?? next.status });
      return this.go("result", { attempt: next, result });
    }
    this.set({
      attempt: next, screen, busy, notice: keepNotice, error: null,
      wrongCode: wrong ?? (answered ? null : this.state.wrongCode),
    });
  }

  /** Trade the verified attempt (a sign-in's, or a stored file's) for the completion: the
   * host's onSuccess, once however often this is called. */
  private async finish(attemptId: string, patch: Partial<State> = {}): Promise<void> {
    if (this.completing) return;
    this.completing = true;
    this.set({ ...patch, busy: true, error: null });
    try {
      const completion = await this.deps.api.complete(attemptId);
      this.deps.reporter.event("VERIFIED", { utility_credential_id: completion.utility_credential_id });
      this.deps.reporter.success(completion);
      this.deps.persist(null, null); // the session is over: a reload must not resume it
      this.go("success", { completion });
    } catch (error) {
      this.completing = false; // not completed: Continue may ask again
      this.fail(error);
    }
  }

  // --- a Green Button file ---------------------------------------------------------------

  /** "Upload a Green Button file" (instead of signing in, or where no sign-in is possible). */
  chooseUpload(): void {
    if (this.state.busy) return;
    this.go("upload", { upload: { ...this.state.upload, problem: null, detail: null } });
  }

  /** Files picked or dropped: one is sent (`sendFile`); several are refused. */
  async sendFiles(files: ArrayLike<File>): Promise<void> {
    if (files.length > 1 && !this.sending) {
      return this.setUpload({ file: null, problem: "upload.oneFile", detail: null });
    }
    if (files[0]) await this.sendFile(files[0]);
  }

  /** Send `file`: checked for size first, then sent with its progress shown; a file the
   * server cannot read says why, and the end user may pick another. */
  async sendFile(file: File): Promise<void> {
    if (this.sending || this.state.upload.stored) return;
    const picked = { name: file.name, size: file.size };
    if (file.size > MAX_UPLOAD_BYTES) {
      return this.setUpload({ file: picked, progress: null, problem: "upload.tooBig", detail: null });
    }
    const sending = new AbortController();
    this.sending = sending;
    this.setUpload({ file: picked, progress: { sent: 0, total: file.size }, problem: null, detail: null });
    try {
      const stored = await this.deps.api.sendFile(file, file.name, (sent, total) => {
        if (!sending.signal.aborted) this.setUpload({ progress: { sent, total } });
      }, sending.signal);
      this.sending = null;
      this.go("upload_summary", { upload: { ...this.state.upload, progress: null, stored } });
    } catch (error) {
      if (sending.signal.aborted) return; // Cancel, Back or Close: already handled there
      this.sending = null;
      if (error instanceof ApiError && error.status == 401) return this.fail(error);
      const invalid = error instanceof ApiError && error.code == "invalid_file";
      this.setUpload({
        progress: null,
        problem: invalid ? "upload.invalid" : error instanceof ApiError && error.status == 413 ? "upload.tooBig" : errorMessage(error),
        detail: invalid ? error.message : null,
      });
    }
  }

  /** Cancel: the request is aborted and the screen is as before the file was picked. */
  cancelUpload(): void {
    this.stopSending();
    this.setUpload({ file: null, progress: null, problem: null, detail: null });
  }

  /** Continue on the stored file's summary: completes it as a verified sign-in. */
  async continueWithFile(): Promise<void> {
    const stored = this.state.upload.stored;
    if (stored) await this.finish(stored.attempt_id);
  }

  private stopSending(): void {
    this.sending?.abort();
    this.sending = null;
  }

  private setUpload(patch: Partial<FileUpload>): void {
    this.set({ upload: { ...this.state.upload, ...patch } });
  }

  // --- Green Button Connect My Data --------------------------------------------------------

  /** "Connect through {utility}'s website instead" (from the sign-in form). */
  chooseGreenButton(): void {
    if (this.state.busy) return;
    this.go("green_button", { greenButton: NO_TRIP });
  }

  /** "Sign in with username and password instead" (from the Green Button screen). */
  chooseSignIn(): void {
    if (this.state.busy) return;
    this.method = "login";
    this.go("credentials");
  }

  /** "Continue to {utility}" and "Try again": the window opens now, in the click's own task (a
   * popup blocker allows no other), blank until the server gives the authorization's URL. */
  connectGreenButton(): void {
    if (this.state.busy) return;
    this.stopAuthorization();
    const trip = this.trips;
    this.method = "green_button";
    const opener = this.opener();
    const popup = opener?.open("", POPUP_NAME, POPUP_FEATURES) ?? null;
    void this.run(async () => {
      let started;
      try {
        started = await this.deps.api.authorize();
      } catch (error) {
        popup?.close();
        return this.authorizationRefused(error);
      }
      if (trip != this.trips || this.closing) return popup?.close(); // Cancel, Back or Close came first
      const opened = popup != null && !popup.closed;
      if (opened) popup.location.href = started.authorization_url;
      else popup?.close();
      const { authorization_id: id, authorization_url: url } = started;
      this.authorization = new Authorization(this.deps.api, opener, id, url, opened ? popup : null, {
        windowClosed: () => this.setTrip({ windowClosed: true }),
        authorized: (attemptId) => this.followAuthorized(attemptId),
        ended: (end, message) => this.go("green_button_result", { greenButton: { ...this.state.greenButton, end, message } }),
        lost: (error) => this.fail(error),
      }, this.deps.timer);
      this.go("green_button_wait", { greenButton: { ...NO_TRIP, url: started.authorization_url, blocked: !opened } });
    });
  }

  /** "Reopen the {utility} window": the open one to the front, a closed one opened again. */
  reopenGreenButton(): void {
    const opened = this.authorization?.reopen() ?? false;
    this.setTrip({ windowClosed: false, blocked: !opened });
  }

  /** Cancel while the utility's window is open: the trip is dropped and its window closed. */
  cancelGreenButton(): void {
    this.stopAuthorization();
    this.go("green_button", { greenButton: NO_TRIP });
  }

  /** Shared: the attempt that fetches the data is followed as a sign-in's, then completed. */
  private followAuthorized(attemptId: string): void {
    this.authorization = null;
    this.deps.reporter.event("CONNECTING", {});
    const first: Attempt = {
      id: attemptId, status: "queued", seq: 0, finished: false, utility_credential_id: "", accounts: [], mfa: null,
    };
    void this.track(first);
  }

  /** The server would not start an authorization: its words on the Green Button screen. */
  private authorizationRefused(error: unknown): void {
    const own = error instanceof ApiError && error.status >= 400 && error.status < 500 && ![401, 429].includes(error.status);
    if (own && error.message) return this.go("green_button", { greenButton: { ...NO_TRIP, problem: error.message } });
    this.fail(error);
  }

  private stopAuthorization(): void {
    this.trips += 1;
    this.authorization?.stop();
    this.authorization = null;
  }

  private setTrip(patch: Partial<GreenButtonTrip>): void {
    this.set({ greenButton: { ...this.state.greenButton, ...patch } });
  }

  private opener(): Opener | null {
    if (this.deps.opener !== undefined) return this.deps.opener;
    return typeof window == "undefined" ? null : (window as unknown as Opener);
  }

  // --- leaving -------------------------------------------------------------------------

  /** Back: to the previous screen; from the MFA dialog to the sign-in form, the attempt is
   * cancelled first and the long-poll brings its end (`apply` then shows the form). */
  async back(): Promise<void> {
    const { screen, session, attempt, busy } = this.state;
    const target = backFrom(screen, session, attempt);
    if (!target || busy) return;
    if (screen == "upload") this.cancelUpload();
    this.stopAuthorization();
    if (!(attempt && backCancelsAttempt(screen, target))) {
      return this.go(target, { wrongCode: null });
    }
    this.inputSeq = attempt.seq; // the answer is the attempt's next change, like other MFA input
    this.set({ busy: true, error: null, notice: null });
    try {
      await this.deps.api.cancel(attempt.id);
    } catch (error) {
      this.inputSeq = null;
      // Already finished (e.g. the code was just accepted): the long-poll shows how it ended.
      if (error instanceof ApiError && error.code == "attempt_finished") return this.set({ busy: false });
      this.fail(error);
    }
  }

  /** "Try again" after a failure: back to the sign-in form, or the Green Button screen when the
   * attempt came from the utility's website. */
  retry(): void {
    this.go(this.method == "green_button" ? "green_button" : "credentials", { result: null, wrongCode: null });
  }

  /** Close (button, Esc, the host's exit, Done): tell the server, then the host, once. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const { screen, result, completion, session, attempt } = this.state;
    const status = exitStatusFor(screen, result, completion != null, this.state.greenButton.end);
    this.polling?.abort();
    this.stopSending();
    this.stopAuthorization();
    if (this.deps.api.token && completion == null) {
      // Bounded: the host removes this frame on `exit`, so the server is told first.
      await Promise.race([this.deps.api.exit().catch(() => undefined), this.sleep(1500)]);
    }
    this.deps.persist(null, null);
    const metadata: Metadata = { session_id: session?.id };
    const utility = completion?.utility ?? session?.utility;
    if (utility) Object.assign(metadata, { utility_id: utility.id, utility_name: utility.name });
    if (attempt?.status_detail) metadata["status_detail"] = attempt.status_detail;
    this.deps.reporter.exit(status, metadata, screen);
    this.go("closed");
  }

  /** The page goes (or the UI is unmounted): nothing may run on, and the utility's window closes. */
  dispose(): void {
    this.polling?.abort();
    this.polling = null;
    this.stopSending();
    this.stopAuthorization();
    if (this.state.screen == "green_button_wait") this.go("green_button");
  }

  get canGoBack(): boolean {
    return backFrom(this.state.screen, this.state.session, this.state.attempt) != null;
  }

  get isOver(): boolean {
    return TERMINAL.has(this.state.screen);
  }

  // --- errors ----------------------------------------------------------------------------

  private async run(action: () => Promise<void>): Promise<void> {
    if (this.state.busy) return;
    this.set({ busy: true, error: null, notice: null });
    try {
      await action();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (error instanceof ApiError && error.status == 401) return this.go("result", { result: "ended" });
    this.set({ busy: false, error: errorMessage(error) });
  }
}

function errorMessage(error: unknown): MessageKey {
  if (!(error instanceof ApiError)) return "result.error.body";
  if (error.code == "invalid_totp_secret") return "credentials.keyInvalid";
  return error.status == 0 ? "networkError" : error.status == 429 ? "result.rateLimited" : "result.error.body";
}

function startError(error: unknown): MessageKey {
  const key = errorMessage(error);
  return key == "result.error.body" ? "result.notStarted.body" : key;
}
