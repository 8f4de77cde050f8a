// Koa 2 installed under an alias (`koa2`) has no types of its own; its API is the one @types/koa describes.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
