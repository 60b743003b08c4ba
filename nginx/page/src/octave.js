// Octave's colouring for Monaco, which has none of its own: keywords, comments (% and #,
// and %{ ... %} blocks), strings in either quotes, numbers.
export const octaveLanguage = {
  defaultToken: '',
  keywords: [
    'break', 'case', 'catch', 'continue', 'do', 'else', 'elseif', 'end', 'end_try_catch',
    'end_unwind_protect', 'endfor', 'endfunction', 'endif', 'endparfor', 'endswitch', 'endwhile',
    'for', 'function', 'global', 'if', 'otherwise', 'parfor', 'persistent', 'return', 'switch',
    'try', 'until', 'unwind_protect', 'unwind_protect_cleanup', 'while',
  ],
  constants: ['true', 'false', 'pi', 'e', 'Inf', 'NaN', 'NA', 'eps', 'stdin', 'stdout', 'stderr'],
  tokenizer: {
    root: [
      [/^\s*[%#]\{\s*$/, 'comment', '@block'],
      [/[%#].*$/, 'comment'],
      // A quote right after a name or a closing bracket is a transpose (x', a(1)'), not a string.
      [/([a-zA-Z_]\w*)('+)/, ['identifier', 'operator']],
      [/([\])}])('+)/, ['delimiter', 'operator']],
      [/[a-zA-Z_]\w*/, { cases: { '@keywords': 'keyword', '@constants': 'constant', '@default': 'identifier' } }],
      [/(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[ij]?/, 'number'],
      [/"/, 'string', '@dstring'],
      [/'/, 'string', '@sstring'],
      [/[=<>!~&|+\-*/\\^:]+/, 'operator'],
      [/[;,()[\]{}]/, 'delimiter'],
    ],
    block: [
      [/^\s*[%#]\}\s*$/, 'comment', '@pop'],
      [/.*$/, 'comment'],
    ],
    dstring: [
      [/\\./, 'string.escape'],
      [/"/, 'string', '@pop'],
      [/[^\\"]+/, 'string'],
    ],
    sstring: [
      [/''/, 'string.escape'],
      [/'/, 'string', '@pop'],
      [/[^']+/, 'string'],
    ],
  },
};
