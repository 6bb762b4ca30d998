// The sales room's products (livestreams/views/room_parts/products.py): the cards, the pinned card
// (小黄车 / 讲解中) kept live over the room socket, and the hosts' pin buttons.
// Messages: "products" (snapshot on every connect), "product_pinned" (event); the hosts send
// "product_pin" {id} and "product_unpin" (docs/live-room-protocol.md, "Products").
(function () {
  "use strict";
  var room = window.HubRoom;
  var list = document.getElementById("product-list");
  var pinnedList = document.getElementById("pinned-card");
  var pinnedNone = document.getElementById("pinned-none");
  var unpinButton = document.getElementById("product-unpin");
  if (!room || !pinnedList) return;
  var i18n = room.i18n;
  var canPin = !!room.cfg.canPinProducts;
  var state = { products: room.cfg.products || [], pinned: room.cfg.pinnedProduct || null, nonces: {} };
  var feedback = document.createElement("p");
  feedback.className = "product-feedback";
  feedback.setAttribute("role", "status");
  pinnedList.parentNode.appendChild(feedback);

  function card(product, withPin) {
    var li = document.createElement("li");
    li.className = "product-card" + (product.id === state.pinned ? " is-pinned" : "");
    li.dataset.productId = String(product.id);
    var image;
    if (product.image) {
      image = document.createElement("img");
      image.src = product.image;
      image.alt = "";
      image.loading = "lazy";
    } else {
      image = document.createElement("span");
      image.className = "product-image-none";
      image.setAttribute("aria-hidden", "true");
      image.textContent = Array.from(product.name || "?")[0];
    }
    image.classList.add("product-image");
    li.appendChild(image);
    var body = document.createElement("span");
    body.className = "product-body";
    var name = document.createElement("span");
    name.className = "product-name";
    name.textContent = product.name;
    var price = document.createElement("span");
    price.className = "product-price";
    price.textContent = "¥" + product.price;
    body.appendChild(name);
    body.appendChild(price);
    li.appendChild(body);
    var actions = document.createElement("span");
    actions.className = "product-actions";
    if (product.go) {
      var go = document.createElement("a");
      go.className = "button product-go";
      // The hub's counting redirect (/sales/products/<id>/go/), never the shop's address itself.
      go.href = product.go;
      go.target = "_blank";
      go.rel = "nofollow noopener noreferrer";
      go.textContent = i18n.productBuy;
      actions.appendChild(go);
    }
    if (withPin && canPin) {
      var pin = document.createElement("button");
      pin.type = "button";
      pin.className = "button secondary product-pin";
      pin.dataset.productId = String(product.id);
      pin.textContent = product.id === state.pinned ? i18n.productPinned : i18n.productPin;
      pin.disabled = product.id === state.pinned || !room.isOpen();
      actions.appendChild(pin);
    }
    li.appendChild(actions);
    return li;
  }

  function render() {
    var pinned = null;
    if (list) {
      list.replaceChildren();
      state.products.forEach(function (p) { list.appendChild(card(p, true)); });
    }
    state.products.forEach(function (p) { if (p.id === state.pinned) pinned = p; });
    pinnedList.replaceChildren();
    if (pinned) pinnedList.appendChild(card(pinned, false));
    pinnedNone.hidden = !!pinned;
    if (unpinButton) {
      unpinButton.hidden = !pinned;
      unpinButton.disabled = !room.isOpen();
    }
  }

  function request(obj) {
    var nonce = "p" + Date.now() + Math.random().toString(16).slice(2, 8);
    state.nonces[nonce] = true;
    obj.nonce = nonce;
    feedback.textContent = "";
    room.send(obj);
  }

  if (list) {
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button.product-pin");
      if (!button) return;
      request({ type: "product_pin", id: Number(button.dataset.productId) });
    });
  }
  if (unpinButton) {
    unpinButton.addEventListener("click", function () { request({ type: "product_unpin" }); });
  }

  room.on("welcome", render);
  room.on("products", function (msg) {
    state.products = Array.isArray(msg.products) ? msg.products : [];
    state.pinned = msg.pinned || null;
    render();
  });
  room.on("product_pinned", function (msg) {
    var product = msg.product;
    if (product) {
      // A product added since the page was rendered arrives with its card.
      var known = state.products.some(function (p) { return p.id === product.id; });
      if (!known) state.products.push(product);
      state.pinned = product.id;
    } else {
      state.pinned = null;
    }
    render();
  });
  room.on("ack", function (msg) {
    if (msg.nonce && state.nonces[msg.nonce]) delete state.nonces[msg.nonce];
  });
  room.on("error", function (msg) {
    if (!msg.nonce || !state.nonces[msg.nonce]) return;
    delete state.nonces[msg.nonce];
    feedback.textContent = msg.message;
  });
  render();
})();
