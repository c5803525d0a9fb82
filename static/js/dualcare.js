// Starts the NHS.UK frontend components. A file, not an inline script, so the
// Content-Security-Policy can forbid inline scripts (script-src 'self').
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();
