declare module 'virtual:fixtures' {
  const fixtures: {
    /** ../shared/vectors/*.json, parsed, by file name. */
    vectors: Record<string, unknown>;
    /** packages/core/test/fixtures/*.pem, by file name. */
    pems: Record<string, string>;
  };
  export default fixtures;
}
