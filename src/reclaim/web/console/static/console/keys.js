// Security keys and passkeys (WebAuthn) on the console's sign-in and "Your sign-in" pages.
// The server makes each challenge and checks each answer (console/securitykeys.py); this
// only carries them between the server and the browser's navigator.credentials, turning the
// binary fields into base64url and back. Without it (or without WebAuthn) the pages work with
// the authenticator app's code, and the security-key button stays hidden.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !window.fetch || !navigator.credentials) {
    return;
  }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }

  function toText(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function answerOf(credential) {
    var response = credential.response;
    var answer = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      answer.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) { answer.response.transports = response.getTransports(); }
    } else {
      answer.response.authenticatorData = toText(response.authenticatorData);
      answer.response.signature = toText(response.signature);
      if (response.userHandle) { answer.response.userHandle = toText(response.userHandle); }
    }
    return JSON.stringify(answer);
  }

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.error || "That did not work. Try again."); }
          return data;
        });
      });
  }

  function say(status, words) {
    if (status) { status.textContent = words; }
  }

  function failed(status) {
    return function (error) {
      var words = error && error.name === "NotAllowedError"
        ? "The key was not used (cancelled, or it took too long). Try again."
        : (error && error.message) || "That did not work. Try again.";
      say(status, words);
    };
  }

  function signIn(button) {
    var form = button.form;
    var status = form.querySelector("[data-key-status]");
    var body = new FormData();
    body.append("username", form.elements.username.value);
    body.append("password", form.elements.password.value);
    say(status, "Use your security key now.");
    post(button.dataset.optionsUrl, body).then(function (options) {
      options.challenge = toBytes(options.challenge);
      (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      var answer = new FormData();
      answer.append("credential", answerOf(credential));
      answer.append("next", form.elements.next ? form.elements.next.value : "");
      return post(button.dataset.verifyUrl, answer);
    }).then(function (data) {
      say(status, "Signed in.");
      window.location.assign(data.next);
    }).catch(failed(status));
  }

  function addKey(form) {
    var status = form.querySelector("[data-key-status]");
    say(status, "Use your security key now.");
    post(form.action, new FormData(form)).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var answer = new FormData();
      answer.append("credential", answerOf(credential));
      answer.append("name", form.elements.name.value);
      return post(form.dataset.addUrl, answer);
    }).then(function (data) {
      say(status, "Security key added.");
      window.location.assign(data.next);
    }).catch(failed(status));
  }

  document.querySelectorAll("[data-key-sign-in]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { signIn(button); });
  });
  document.querySelectorAll("[data-key-add]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      addKey(form);
    });
  });
}());
