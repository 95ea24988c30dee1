// Starts Swagger UI on the gateway's aggregated document. Loaded from the page, never inline, so the page's
// Content-Security-Policy can forbid inline scripts; everything it fetches is on this origin.

window.addEventListener("load", function () {
  var ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    deepLinking: true,
    displayRequestDuration: true,
    showExtensions: true,
    filter: true,
    // No badge fetched from validator.swagger.io.
    validatorUrl: null,
    oauth2RedirectUrl: window.location.origin + "/docs/swagger-ui/oauth2-redirect.html",
    persistAuthorization: false,
  });
  ui.initOAuth({ usePkceWithAuthorizationCodeGrant: true, scopeSeparator: " " });
  window.ui = ui;
});
