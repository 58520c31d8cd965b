// The chat server's one page: a log, a text box, and the script that joins ws://HOST/chat.
#pragma once

#include <string_view>

inline constexpr std::string_view chat_page = R"html(<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>coronet chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; }
  #log { height: 20em; overflow-y: auto; border: 1px solid #ccc; border-radius: 6px;
         padding: .5em; white-space: pre-wrap; overflow-wrap: anywhere; }
  #log .note { color: #888; font-style: italic; }
  form { display: flex; gap: .5em; margin-top: .5em; }
  input { flex: 1; font: inherit; padding: .4em; }
  button { font: inherit; padding: .4em 1em; }
</style>
<h1>coronet chat</h1>
<div id="log"></div>
<form id="form">
  <input id="text" autocomplete="off" placeholder="Say something to everyone here" autofocus>
  <button>Send</button>
</form>
<script>
  const log = document.getElementById('log');
  const text = document.getElementById('text');
  function show(line, note) {
    const p = document.createElement('div');
    p.textContent = line;
    if (note) p.className = 'note';
    log.append(p);
    log.scrollTop = log.scrollHeight;
  }
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const ws = new WebSocket(scheme + location.host + '/chat');
  ws.onopen = () => show('connected: open this page in another tab to chat with it', true);
  ws.onmessage = (e) => show(e.data);
  ws.onclose = (e) => show('disconnected (' + e.code + (e.reason ? ' ' + e.reason : '') + ')', true);
  document.getElementById('form').onsubmit = (e) => {
    e.preventDefault();
    if (text.value && ws.readyState === WebSocket.OPEN) ws.send(text.value);
    text.value = '';
  };
</script>
</html>
)html";
