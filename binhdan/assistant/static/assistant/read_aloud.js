// Read-aloud with the browser's own speech synthesis (no network), Vietnamese voice when there is one.
(function () {
  "use strict";
  if (!("speechSynthesis" in window)) { return; }
  function vietnameseVoice() {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().replace("_", "-").indexOf("vi") === 0) { return voices[i]; }
    }
    return null;
  }
  document.querySelectorAll("button.read-aloud").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-read-target"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (window.speechSynthesis.speaking) {
        window.speechSynthesis.cancel();
        button.setAttribute("aria-pressed", "false");
        return;
      }
      var utterance = new SpeechSynthesisUtterance(target.innerText);
      utterance.lang = "vi-VN";
      utterance.rate = 0.9;
      var voice = vietnameseVoice();
      if (voice) { utterance.voice = voice; }
      utterance.onend = function () { button.setAttribute("aria-pressed", "false"); };
      button.setAttribute("aria-pressed", "true");
      window.speechSynthesis.speak(utterance);
    });
  });
})();
