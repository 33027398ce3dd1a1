// Security keys and passkeys (WebAuthn): the browser side of registering a key (settings) and
// of signing in with one (second step of a sign-in). The server checks everything; this file
// only converts between the JSON the API speaks (binary values in base64url) and the
// ArrayBuffers navigator.credentials takes. Without it, codes from an app still work.
(function () {
  "use strict";

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      var copy = Object.assign({}, c);
      copy.id = fromBase64url(c.id);
      return copy;
    });
  }

  function post(url, body, csrf) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (csrf) { headers["X-CSRF-Token"] = csrf; }
    return fetch(url, {
      method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = new Error(json.detail || response.statusText);
          error.field = json.errors && json.errors.length ? json.errors[0].field : null;
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  function say(box, text, kind) {
    box.textContent = text;
    box.className = kind;
    box.hidden = false;
  }

  // Messages come from the page, in its language: the API's own details are English.
  function browserFailure(box, root, error) {
    var which = "data-failed";
    if (error && error.name === "NotAllowedError") { which = "data-cancelled"; }
    else if (error && error.field === "current_password") { which = "data-wrong-password"; }
    else if (error && error.field === "name") { which = "data-bad-name"; }
    else if (error && error.status === 401) { which = "data-expired"; }
    else if (error && error.status === 409) { which = "data-conflict"; }
    say(box, root.getAttribute(which) || root.getAttribute("data-failed"), "error");
    // The technical reason, for whoever helps the user (not shown).
    box.setAttribute("data-detail", (error && error.message) || String(error));
  }

  // Registering a key from the settings page.
  var form = document.getElementById("add-security-key-form");
  if (form && window.PublicKeyCredential) {
    var box = document.getElementById("security-key-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var csrf = form.querySelector("input[name=csrf]").value;
      var name = form.querySelector("input[name=name]").value;
      var password = form.querySelector("input[name=current_password]").value;
      say(box, form.getAttribute("data-touch"), "muted");
      post("/api/v1/me/second-factor/security-keys/challenge",
        { name: name, current_password: password }, csrf)
        .then(function (options) {
          var key = options.publicKey;
          key.challenge = fromBase64url(key.challenge);
          key.user.id = fromBase64url(key.user.id);
          key.excludeCredentials = withIds(key.excludeCredentials);
          return navigator.credentials.create({ publicKey: key });
        })
        .then(function (credential) {
          return post("/api/v1/me/second-factor/security-keys", {
            id: credential.id,
            rawId: toBase64url(credential.rawId),
            type: credential.type,
            extensions: credential.getClientExtensionResults(),
            response: {
              attestationObject: toBase64url(credential.response.attestationObject),
              clientDataJSON: toBase64url(credential.response.clientDataJSON),
              transports: credential.response.getTransports ? credential.response.getTransports() : []
            }
          }, csrf);
        })
        .then(function (added) {
          if (added.recovery_codes) {
            var list = document.createElement("ol");
            list.id = "recovery-codes";
            added.recovery_codes.forEach(function (code) {
              var item = document.createElement("li");
              var text = document.createElement("code");
              text.textContent = code;
              item.appendChild(text);
              list.appendChild(item);
            });
            say(box, form.getAttribute("data-added-codes"), "ok");
            box.appendChild(list);
            var back = document.createElement("a");
            back.href = "/settings#second-factor";
            back.textContent = form.getAttribute("data-continue");
            box.appendChild(back);
          } else {
            window.location.assign("/settings#second-factor");
          }
        })
        .catch(function (error) { browserFailure(box, form, error); });
    });
  }

  // The second step of a sign-in with a key.
  var button = document.getElementById("use-security-key");
  if (button && window.PublicKeyCredential) {
    var status = document.getElementById("security-key-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      say(status, button.getAttribute("data-touch"), "muted");
      post("/api/v1/auth/second-factor/security-key/challenge", {})
        .then(function (options) {
          var key = options.publicKey;
          key.challenge = fromBase64url(key.challenge);
          key.allowCredentials = withIds(key.allowCredentials);
          return navigator.credentials.get({ publicKey: key });
        })
        .then(function (credential) {
          var r = credential.response;
          return post("/api/v1/auth/second-factor/security-key", {
            id: credential.id,
            rawId: toBase64url(credential.rawId),
            type: credential.type,
            extensions: credential.getClientExtensionResults(),
            response: {
              authenticatorData: toBase64url(r.authenticatorData),
              clientDataJSON: toBase64url(r.clientDataJSON),
              signature: toBase64url(r.signature),
              userHandle: r.userHandle ? toBase64url(r.userHandle) : null
            }
          });
        })
        .then(function () { window.location.assign("/"); })
        .catch(function (error) { browserFailure(status, button, error); });
    });
  }
})();
