// Entry of the operator dashboard: the server's shell page has <div id="app"></div> and this
// script (no inline code: the page's CSP allows only files from this origin).
import "./styles.css";
import { render } from "preact";
import { Api } from "./api";
import { App } from "./app";

const root = document.getElementById("app");
if (root) render(<App api={new Api()} />, root);
