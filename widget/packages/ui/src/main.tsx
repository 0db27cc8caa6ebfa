import "./styles.css";
import { render } from "preact";

const root = document.getElementById("gridlink-root");
if (root) render(<p>Loading Connect…</p>, root);
