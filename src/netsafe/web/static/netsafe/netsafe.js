// Start GOV.UK Frontend's components (skip link, error summary focus, menus).
// A module file, not an inline script, because the Content Security Policy allows no inline code.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
