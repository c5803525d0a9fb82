// As nhsuk-frontend's own page template does: styles for scripted components apply only where
// modules run. Loaded without defer straight after <body> so the page never flashes unstyled.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
