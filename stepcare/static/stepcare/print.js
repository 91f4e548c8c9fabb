// "Print this letter": bound here, not in an onclick attribute, so the page needs no inline script.
document.querySelectorAll("[data-stepcare-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
