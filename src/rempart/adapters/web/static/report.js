// The report form (/report): on submit, a fresh proof-of-work challenge from the server is
// solved on the device (proof_of_work.js, the portal's solver), then the form is sent.
import { solve } from "/assets/proof_of_work.js";

const form = document.getElementById("report-form");

async function prove(event) {
  if (form.dataset.proved === "1") return;
  event.preventDefault();
  const status = document.getElementById("pow-status");
  const button = form.querySelector("button[type=submit]");
  status.hidden = false;
  button.disabled = true;
  try {
    const fresh = await (await fetch("/report/challenge", { cache: "no-store" })).json();
    form.elements.pow_challenge.value = fresh.challenge;
    form.elements.pow_nonce.value = await solve(fresh.challenge, fresh.bits);
    form.dataset.proved = "1";
    form.submit();
  } catch (error) {
    status.textContent = form.dataset.msgFailed;
    button.disabled = false;
  }
}

if (form) form.addEventListener("submit", prove);
