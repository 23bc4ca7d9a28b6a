// netroll admin sign-in: trades the admin token for a session cookie. The
// token comes from the URL fragment (#token=…, which browsers never send to
// a server) or the form; the fragment is removed from the address bar at once.
async function signIn(token) {
  const res = await fetch('/admin/login', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (res.status === 204) {
    location.replace('/admin');
    return;
  }
  document.getElementById('login-error').textContent = res.status === 401 ? 'wrong token' : `sign-in failed: HTTP ${res.status}`;
}
function fromHash() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return;
  history.replaceState(null, '', location.pathname);
  void signIn(token);
}
fromHash();
window.addEventListener('hashchange', fromHash); // the URL pasted into a tab already on this page
document.getElementById('login').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn(document.getElementById('token').value);
});
