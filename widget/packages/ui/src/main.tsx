// Entry of the Connect page: read (and drop) the ticket, pick the language and colours, start.
import "./styles.css";
import { render } from "preact";
import { Api } from "./api";
import { App } from "./app";
import { Controller } from "./controller";
import { createReporter, listenToHost } from "./host";
import { loadSaved, readLaunch, save, type PageKind } from "./launch";

function boot(): void {
  const root = document.getElementById("gridlink-root");
  if (!root) return;
  const page: PageKind = document.body.dataset["page"] == "link" ? "link" : "frame";
  const launch = readLaunch(window, page); // first: the ticket leaves the address bar
  const saved = launch.ticket || launch.linkToken ? null : loadSaved(window, page);
  const transport = saved?.transport ?? launch.transport;
  const api = new Api();
  if (saved) api.token = saved.token;

  let hostOrigin = saved?.hostOrigin ?? null;
  let reporter = createReporter(window, transport, hostOrigin);
  let stopListening = () => {};
  const controller = new Controller({
    api,
    opener: window,
    get reporter() {
      return reporter;
    },
    persist(token, origin) {
      if (origin && origin != hostOrigin && !reporter.ended) {
        hostOrigin = origin; // known only once the ticket is traded
        reporter = createReporter(window, transport, hostOrigin);
        stopListening();
        stopListening = listenToHost(window, hostOrigin, () => void controller.close());
      }
      save(window, page, token ? { token, transport, hostOrigin } : null);
    },
  });
  // The frame removed or the page left: the utility's window (Green Button) closes with it.
  window.addEventListener("pagehide", () => controller.dispose());
  if (hostOrigin) stopListening = listenToHost(window, hostOrigin, () => void controller.close());

  // Rendered first: the UI is subscribed to the controller before start() can change it.
  const browser = navigator.languages ?? [navigator.language];
  const languages = launch.language ? [launch.language, ...browser] : browser;
  render(<App controller={controller} page={page} languages={languages} />, root);

  const opening = launch.ticket
    ? { frame_ticket: launch.ticket }
    : launch.linkToken
      ? { connect_link_token: launch.linkToken }
      : null;
  void controller.start(opening);
}

boot();
