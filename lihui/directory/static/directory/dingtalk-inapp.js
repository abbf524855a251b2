// Inside DingTalk: ask the JSAPI for a 免登 code (dd.runtime.permission.requestAuthCode,
// https://open.dingtalk.com/document/orgapp/jsapi-request-auth-code) and hand it to Lihui's
// callback with the login's state; the server turns it into the userid. Outside DingTalk (no
// `dd`), or when DingTalk refuses, the page offers the password login instead.
(function () {
  var box = document.getElementById("dingtalk-inapp");
  if (!box) return;
  function failed() {
    document.getElementById("dingtalk-inapp-failed").hidden = false;
  }
  if (typeof dd === "undefined" || !dd.runtime || !dd.runtime.permission) {
    failed();
    return;
  }
  dd.ready(function () {
    dd.runtime.permission.requestAuthCode({
      corpId: box.dataset.corpId,
      clientId: box.dataset.clientId,
      onSuccess: function (result) {
        var url = new URL(box.dataset.callback);
        url.searchParams.set("code", result.code);
        url.searchParams.set("state", box.dataset.state);
        window.location.replace(url.toString());
      },
      onFail: failed,
    });
  });
  dd.error(failed);
})();
