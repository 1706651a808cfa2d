//! The simulation worker: Trunk builds it as a Web Worker (`index.html`),
//! the page starts one per simulation (`migplan_web::worker`).

use std::rc::Rc;

use migplan_web::worker::{Event, Post, serve};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post: Post = {
        let scope = scope.clone();
        Rc::new(move |event: &Event| {
            if let Ok(text) = serde_json::to_string(event) {
                let _ = scope.post_message(&JsValue::from_str(&text));
            }
        })
    };
    let on_message = {
        let post = post.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            let post = post.clone();
            wasm_bindgen_futures::spawn_local(async move { serve(&text, post).await });
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Event::Ready);
}
