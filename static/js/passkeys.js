// Passkeys (WebAuthn) without inline script (the CSP forbids it). The server sends the
// options as py_webauthn's JSON (binary fields base64url); this turns them into
// ArrayBuffers, calls navigator.credentials.create/get and posts the answer back as
// JSON. Buttons: [data-passkey-register] and [data-passkey-signin], each with
// data-options-url and data-verify-url; messages go to the #passkey-status live region.
(function () {
  "use strict";

  function fromB64url(value) {
    var b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return Object.assign({}, d, { id: fromB64url(d.id) });
    });
  }

  // The PublicKeyCredential as the JSON py_webauthn reads; ``response`` holds the
  // ceremony's own fields (clientDataJSON is added here).
  function asJson(cred, response) {
    response.clientDataJSON = toB64url(cred.response.clientDataJSON);
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: response,
      clientExtensionResults: cred.getClientExtensionResults(),
      authenticatorAttachment: cred.authenticatorAttachment || undefined
    };
  }

  function csrfHeaders() {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    try {
      var extra = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      Object.assign(headers, extra);
    } catch (e) { /* no token: the server refuses */ }
    return headers;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: csrfHeaders(),
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "The server refused the passkey (" + response.status + ").");
        }
        return data;
      });
    });
  }

  function say(message, danger) {
    var el = document.getElementById("passkey-status");
    if (!el) { return; }
    el.textContent = message;
    el.classList.toggle("text-danger", !!danger);
  }

  function fail(error) {
    var message = error && error.name === "NotAllowedError"
      ? "The passkey request was cancelled or timed out. Try again."
      : (error && error.message) || "The passkey could not be used.";
    say(message, true);
  }

  function register(button) {
    var nameInput = document.getElementById(button.getAttribute("data-name-input") || "");
    var name = nameInput ? nameInput.value : "";
    say("Follow your browser's prompt to create the passkey…");
    post(button.getAttribute("data-options-url")).then(function (options) {
      options.challenge = fromB64url(options.challenge);
      options.user.id = fromB64url(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (cred) {
      return post(button.getAttribute("data-verify-url"), {
        name: name,
        credential: asJson(cred, {
          attestationObject: toB64url(cred.response.attestationObject),
          transports: cred.response.getTransports ? cred.response.getTransports() : []
        })
      });
    }).then(function (result) {
      say("Passkey registered.");
      window.location.assign(result.redirect);
    }).catch(fail);
  }

  function signIn(button) {
    say("Follow your browser's prompt to use your passkey…");
    post(button.getAttribute("data-options-url")).then(function (options) {
      options.challenge = fromB64url(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (cred) {
      return post(button.getAttribute("data-verify-url"), {
        credential: asJson(cred, {
          authenticatorData: toB64url(cred.response.authenticatorData),
          signature: toB64url(cred.response.signature),
          userHandle: toB64url(cred.response.userHandle)
        })
      });
    }).then(function (result) {
      window.location.assign(result.redirect);
    }).catch(fail);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-passkey-register], [data-passkey-signin]");
    if (!button) { return; }
    event.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say("This browser does not support passkeys.", true);
      return;
    }
    if (button.hasAttribute("data-passkey-register")) { register(button); } else { signIn(button); }
  });
}());
