// Start Swagger UI on the API docs page; its settings come from a JSON data block.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  // "Try it out" from a signed-in browser authenticates with the session cookie, which the
  // API accepts for writes only with the CSRF token.
  config.requestInterceptor = function (request) {
    if (csrfToken) {
      request.headers["X-CSRFToken"] = csrfToken;
    }
    return request;
  };
  window.ui = SwaggerUIBundle(config);
})();
