"""Regenerates src/test/resources/jinja-snippets.json from real Python Jinja2.

Not run by the build: the JSON files it writes are committed and read by the tests
(jinja-snippets.json, python-floats.json, template-conversations.json). Run it with Python
Jinja2 3.1.6 installed after adding snippets or conversations below:

    python3 src/test/python/generate_snippets.py

The environment mirrors Hugging Face transformers' chat-template renderer.
"""
import json
import os
from datetime import datetime

import jinja2
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime(2026, 11, 22).strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

BASE = {
    "msgs": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi <b> & 'you'"},
             {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}],
    "d": {"b": 2, "a": 1, "nested": {"k": [1, 2, 3]}},
    "words": ["pear", "Apple", "fig", "apple"],
    "nums": [3, 1, 4, 1, 5, 9, 2, 6],
    "people": [{"name": "Ann", "age": 31, "city": "Oslo"}, {"name": "bob", "age": 25, "city": "Rome"},
               {"name": "Cid", "age": 31, "city": "oslo"}, {"name": "Dee", "city": "Rome"}],
    "text": "Hello World  foo\tbar\nsecond line",
    "cn": "你好，世界",
    "emoji": "a😀b",
    "f": 2.5,
    "big": 12345678901234567890,
    "empty": [],
    "none_value": None,
}

# (name, template[, extra context])
SNIPPETS = [
    # --- whitespace control -----------------------------------------------------------------
    ("ws_trim_blocks", "{% if true %}\nyes\n{% endif %}\nend"),
    ("ws_lstrip_blocks", "a\n    {% if true %}\n    b\n    {% endif %}\nc"),
    ("ws_minus_both", "a   {%- if true -%}   b   {%- endif -%}   c"),
    ("ws_variable_minus", "x  \n {{- 'v' -}} \n  y"),
    ("ws_plus_disables_lstrip", "a\n    {%+ if true %}b{% endif %}"),
    ("ws_plus_disables_trim", "{% if true +%}\nb{% endif %}"),
    ("ws_comment_trim", "a\n  {# note #}\nb {#- tight -#} c"),
    ("ws_variable_no_trim", "{{ 'a' }}\n{{ 'b' }}\n"),
    ("ws_crlf", "line1\r\n{% if true %}\r\nline2\r\n{% endif %}\r\n"),
    ("ws_trailing_newline", "keep\n\n"),
    ("ws_raw", "{% raw %}{{ x }} {% if %}{% endraw %}|{%- raw -%}  {{ y }}  {%- endraw %}|"),
    ("ws_nested_loops", "{% for i in [1,2] %}\n  {% for j in [3,4] %}\n    {{ i }}{{ j }}\n  {% endfor %}\n{% endfor %}"),
    ("ws_macro_body", "{% macro m(x) %}\n  [{{ x }}]\n{% endmacro %}\n{{ m(1) }}{{ m(2) }}"),
    ("ws_set_block", "{% set s %}\n  inner {{ 1 + 1 }}\n{% endset %}[{{ s }}]"),
    # --- literals and printing -----------------------------------------------------------------
    ("print_python_values", "{{ [1, 'a', none, true, false, 1.5, {'k': 'v'}] }}|{{ (1,) }}|{{ (1, 2) }}|{{ () }}"),
    ("print_none_bool", "{{ none }} {{ None }} {{ true }} {{ True }} {{ false }}"),
    ("print_floats", "{{ 1.0 }} {{ 0.1 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ -0.0 }} {{ 2.5e-10 }}"),
    ("print_ints", "{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000_000 }} {{ big }} {{ big * big }}"),
    ("print_string_repr", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\there', 'nl\\n', '\\x00', '\\u00e9', cn, emoji] }}"),
    ("print_dict_repr", "{{ d }}|{{ {'a': [1, (2, 3)], 1: none} }}"),
    ("print_string_escapes", "{{ 'a\\tb\\\\c\\'d\\u4e2d\\x41\\101\\N{BULLET}\\q' }}"),
    ("print_adjacent_strings", "{{ 'a' \"b\" 'c' }}"),
    ("print_undefined", "[{{ missing }}][{{ d.missing }}][{{ msgs[10] }}][{{ missing is defined }}]"),
    ("print_markup_repr", "{{ ['<'|safe] }}"),
    # --- arithmetic and operators -------------------------------------------------------------
    ("math_basic", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 8 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }}"),
    ("math_float", "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1.5 * 2 }} {{ f * 2 }} {{ 1 + true }} {{ true + true }}"),
    ("math_precedence", "{{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 2 * 3 ~ 4 }} {{ -1|abs }} {{ not 1 == 2 }}"),
    ("math_sequences", "{{ 'ab' * 3 }} {{ 3 * 'x' }} {{ [1] * 3 }} {{ [1, 2] + [3] }} {{ (1,) + (2,) }} {{ 'a' + 'b' }}"),
    ("math_concat", "{{ 1 ~ 2 ~ 'x' ~ none ~ true ~ missing ~ [1] }}"),
    ("compare_chain", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ [1] == (1,) }} {{ none == none }} {{ missing == missing }} {{ 1 != 2 }}"),
    ("logic_values", "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }} {{ none or none }} {{ not [] }} {{ 1 if none else 2 }} [{{ 1 if false }}]"),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 'z' not in 'cat' }} {{ 2 in [1, 2] }} {{ 'a' in {'a': 1} }} {{ 'x' in missing }} {{ 1 in [1.0] }} {{ 'role' in msgs[0] }}"),
    # --- attribute / item access and slicing ------------------------------------------------------
    ("access_attr_and_item", "{{ msgs[0].role }} {{ msgs[0]['content'] }} {{ d.nested.k[1] }} {{ d['nested']['k'][-1] }} {{ msgs.0.role }}"),
    ("access_missing_is_undefined", "[{{ d.nope }}][{{ d['nope'] }}][{{ 'abc'[10] }}][{{ nums.role }}][{{ none.x }}][{{ (1).x }}]"),
    ("access_dict_method_vs_key", "{{ d.items is defined }} {{ d['items'] is defined }} {{ {'items': 5}['items'] }} {{ {'get': 1}.get('get') }}"),
    ("slice_lists", "{{ nums[1:] }} {{ nums[:2] }} {{ nums[::2] }} {{ nums[::-1] }} {{ nums[-3:] }} {{ nums[1:-1:3] }} {{ nums[5:1] }} {{ nums[100:] }} {{ nums[-100:2] }} {{ nums[6:1:-2] }}"),
    ("slice_strings", "{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ 'hello'[-2:] }} {{ cn[1:3] }} {{ emoji[::-1] }} {{ emoji[1] }} {{ emoji|length }}"),
    ("slice_messages", "{% for m in msgs[1:] %}{{ m.role }},{% endfor %}|{% for m in msgs[::-1] %}{{ loop.index }}{{ m.role[0] }}{% endfor %}"),
    ("slice_tuple", "{{ (1, 2, 3)[1:] }} {{ (1, 2, 3)[::-1] }}"),
    # --- statements -----------------------------------------------------------------------------
    ("if_elif_else", "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %};{% endfor %}"),
    ("for_loop_vars", "{% for m in msgs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}"),
    ("for_prev_next", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}]{% endfor %}"),
    ("for_cycle_changed", "{% for x in [1, 1, 2, 3, 3] %}{{ loop.cycle('a', 'b', 'c') }}{% if loop.changed(x) %}!{% endif %}{% endfor %}"),
    ("for_filter_and_length", "{% for x in nums if x > 2 %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% endfor %}"),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] if x > 5 %}x{% else %}filtered{% endfor %}"),
    ("for_break_continue", "{% for x in nums %}{% if x == 4 %}{% continue %}{% endif %}{% if x == 9 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("for_unpack", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}"),
    ("for_dict_and_string", "{% for k in d %}{{ k }},{% endfor %}|{% for c in cn %}{{ c }}.{% endfor %}|{% for c in emoji %}[{{ c }}]{% endfor %}"),
    ("for_nested_loop_access", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [3, 4] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}"),
    ("for_recursive", "{% for n in [{'v': 1, 'c': [{'v': 2, 'c': []}, {'v': 3, 'c': [{'v': 4, 'c': []}]}]}] recursive %}({{ n.v }}@{{ loop.depth }}{{ loop(n.c) }}){% endfor %}"),
    ("scope_loop_does_not_leak", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}"),
    ("scope_if_leaks", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}"),
    ("scope_macro_sees_later_globals", "{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}"),
    ("namespace_basic", "{% set ns = namespace(count=0, items=[]) %}{% for m in msgs %}{% set ns.count = ns.count + 1 %}{% set ns.items = ns.items + [m.role] %}{% endfor %}{{ ns.count }} {{ ns.items }} {{ ns }}"),
    ("namespace_flag", "{% set ns = namespace(found=false) %}{% for m in msgs %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}[{{ ns.missing }}]"),
    ("set_tuple_unpacking", "{% set a, b = 1, 2 %}{% set c, d2 = [3, 4] %}{{ a }}{{ b }}{{ c }}{{ d2 }}"),
    ("set_block_filtered", "{% set s | upper %}shout {{ 'it' }}{% endset %}{{ s }}"),
    ("macro_defaults_varargs_kwargs", "{% macro m(a, b=a * 2) %}{{ a }},{{ b }},{{ varargs }},{{ kwargs }}{% endmacro %}{{ m(1) }}|{{ m(1, 5, 6, 7) }}|{{ m(1, z=3) }}|{{ m(b=9, a=8) }}"),
    ("macro_missing_argument", "{% macro m(a) %}[{{ a }}]{{ a is defined }}{% endmacro %}{{ m() }}"),
    ("macro_call_block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner {{ 1 }}{% endcall %}"),
    ("macro_call_block_args", "{% macro each(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro %}{% call(item, n) each(['x', 'y']) %}{{ n }}={{ item }};{% endcall %}"),
    ("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}"),
    ("macro_print_and_string_ops", "{% macro m() %}ab{% endmacro %}{{ m }}|{{ m()|length }}|{{ m() + 'c' }}|{{ m().upper() }}"),
    ("filter_block", "{% filter upper %}hello {{ 'world' }}{% endfilter %}|{% filter trim|title %}  two words  {% endfilter %}"),
    ("with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"),
    # --- filters ----------------------------------------------------------------------------------
    ("filter_case", "{{ 'hello WORLD'|upper }} {{ 'HeLLo'|lower }} {{ \"they're bill's friends\"|title }} {{ 'hELLO wORLD'|capitalize }} {{ 'a-b c(d'|title }}"),
    ("filter_trim", "[{{ '  x \\n'|trim }}][{{ 'xxhixx'|trim('x') }}][{{ text|trim }}]"),
    ("filter_replace", "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'abc'|replace('', '-') }} {{ 5|replace('5', 'five') }}"),
    ("filter_length_count", "{{ nums|length }} {{ 'héllo'|length }} {{ d|count }} {{ missing|length }} {{ cn|length }}"),
    ("filter_first_last", "{{ nums|first }} {{ nums|last }} {{ 'abc'|first }} {{ 'abc'|last }} [{{ empty|first }}] {{ d|first }}"),
    ("filter_join", "{{ nums|join }} {{ nums|join(', ') }} {{ people|join('/', attribute='name') }} {{ [1, none, 'a']|join('-') }}"),
    ("filter_default", "{{ missing|default('dflt') }} {{ ''|default('dflt') }} {{ ''|default('dflt', true) }} {{ none|default('dflt') }} {{ 0|d('zero', boolean=true) }} [{{ missing|d }}]"),
    ("filter_list_string", "{{ 'abc'|list }} {{ d|list }} {{ (1, 2)|list }} {{ 42|string }} {{ none|string }} {{ [1, 'a']|string }} {{ range(3)|list }}"),
    ("filter_int_float", "{{ '42'|int }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ 3.99|int }} {{ '0x1A'|int(base=16) }} {{ ' 7 '|int }} {{ '2.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ true|int }} {{ '1e3'|float }}"),
    ("filter_abs_round", "{{ -3|abs }} {{ -2.5|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 1234|round(-2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(1, 'floor') }} {{ 7|round }}"),
    ("filter_items_dictsort", "{{ d|items|list }} {{ d|dictsort }} {{ {'b': 1, 'A': 2, 'a': 0}|dictsort }} {{ {'b': 1, 'A': 2}|dictsort(true) }} {{ {'x': 2, 'y': 1, 'z': 3}|dictsort(by='value', reverse=true) }}"),
    ("filter_selectattr", "{{ people|selectattr('age')|map(attribute='name')|list }} {{ people|selectattr('age', 'equalto', 31)|map(attribute='name')|join(',') }} {{ people|rejectattr('city', 'eq', 'Rome')|map(attribute='name')|list }} {{ people|selectattr('age', 'defined')|list|length }}"),
    ("filter_select_reject", "{{ nums|select('odd')|list }} {{ nums|reject('odd')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ nums|select('gt', 3)|list }} {{ nums|select('in', [1, 2])|list }} {{ nums|select('divisibleby', 3)|list }}"),
    ("filter_map", "{{ words|map('upper')|list }} {{ people|map(attribute='age', default=0)|list }} {{ nums|map('string')|join('') }} {{ [[1, 2], [3]]|map('length')|list }} {{ msgs|map(attribute='tool_calls.0.function.name', default='-')|list }}"),
    ("error_map_missing_attribute_path", "{{ msgs|map(attribute='tool_calls.0.function.name')|list }}"),
    ("filter_unique", "{{ words|unique|list }} {{ words|unique(case_sensitive=true)|list }} {{ people|unique(attribute='city')|map(attribute='name')|list }} {{ nums|unique|list }}"),
    ("filter_sort", "{{ nums|sort }} {{ nums|sort(reverse=true) }} {{ words|sort }} {{ words|sort(case_sensitive=true) }} {{ people|sort(attribute='name')|map(attribute='name')|list }} {{ people|sort(attribute='city,name')|map(attribute='name')|list }}"),
    ("filter_min_max_sum", "{{ nums|min }} {{ nums|max }} {{ words|min }} {{ words|max(case_sensitive=true) }} {{ people|max(attribute='name') }} {{ nums|sum }} {{ [1.5, 2]|sum }} {{ people|selectattr('age')|sum(attribute='age') }} {{ nums|sum(start=100) }} [{{ empty|max }}]"),
    ("filter_reverse", "{{ nums|reverse|list }} {{ 'abc'|reverse }} {{ nums|map('string')|reverse|join }} {{ cn|reverse }}"),
    ("filter_batch_slice", "{{ nums|batch(3)|list }} {{ nums|batch(3, 0)|list }} {{ nums|slice(3)|list }} {{ nums|slice(3, 'x')|list }}"),
    ("filter_groupby", "{% for g in people|groupby('city') %}{{ g.grouper }}:{{ g.list|map(attribute='name')|join(',') }};{% endfor %}|{% for city, ps in people|groupby('city', case_sensitive=true) %}{{ city }}={{ ps|length }};{% endfor %}"),
    ("filter_indent", "[{{ 'a\\nb\\n\\nc'|indent }}][{{ 'a\\nb'|indent(2, true) }}][{{ 'a\\n\\nb'|indent(2, blank=true) }}][{{ 'a\\nb'|indent('> ') }}][{{ 'a\\n'|indent }}][{{ ''|indent(first=true) }}]"),
    ("filter_center_wordcount", "[{{ 'hi'|center(7) }}][{{ 'hello'|center(11) }}][{{ 'hello'|center(2) }}] {{ text|wordcount }} {{ 'a b,c_d'|wordcount }}"),
    ("filter_format", "{{ '%s-%s'|format('a', 1) }} {{ '%(x)s!'|format(x='kw') }} {{ '%5.2f|%-4d|%04d|%x|%r'|format(3.14159, 7, 42, 255, 'q') }} {{ '%.3e %g %g %%'|format(12345.678, 0.00001234, 1234567.0) }}"),
    ("filter_escape_safe", "{{ '<a href=\"x\">&\\'</a>'|escape }} {{ '<b>'|e }} {{ '<b>'|safe }} {{ ('<b>'|safe)|escape }} {{ '<'|forceescape }}"),
    ("filter_markup_concat", "{{ 'a<'|safe + '<b>' }}|{{ '<b>' + 'a<'|safe }}|{{ ('a<'|safe) ~ '<b>' }}|{{ '<x>'|safe * 2 }}|{{ ('%s'|safe) % '<i>' }}"),
    ("filter_truncate", "{{ 'foo bar baz qux'|truncate(9) }}|{{ 'foo bar baz qux'|truncate(9, true) }}|{{ 'foo bar baz qux'|truncate(9, leeway=0) }}|{{ 'foo bar baz qux'|truncate(11, false, '!!', 0) }}|{{ 'short'|truncate(10) }}"),
    ("filter_attr", "{{ d|attr('items') is defined }} {{ d|attr('a') is defined }} {{ namespace(x=1)|attr('x') }}"),
    ("filter_pprint", "{{ d|pprint }}|{{ 'x'|pprint }}|{{ [1, 'a', none]|pprint }}|{{ people|pprint }}"),
    ("filter_chained_with_args", "{{ msgs|map(attribute='role')|map('upper')|select('ne', 'SYSTEM')|join(' > ') }}"),
    # --- tojson -----------------------------------------------------------------------------------
    ("tojson_basic", "{{ d|tojson }}|{{ msgs[1]|tojson }}|{{ [1, 2.5, none, true, 'x']|tojson }}|{{ 'é中'|tojson }}|{{ '<>&\\''|tojson }}"),
    ("tojson_indent", "{{ d|tojson(indent=2) }}|{{ [[], {}, [1]]|tojson(indent=4) }}|{{ {'a': 1}|tojson(indent='\\t') }}"),
    ("tojson_options", "{{ d|tojson(sort_keys=true) }}|{{ [1, {'a': 2}]|tojson(separators=(',', ':')) }}|{{ 'é'|tojson(ensure_ascii=true) }}|{{ emoji|tojson(ensure_ascii=true) }}"),
    ("tojson_numbers", "{{ 1.0|tojson }} {{ 1e20|tojson }} {{ 1e-7|tojson }} {{ 0.1|tojson }} {{ big|tojson }} {{ {1: 'a', 2.5: 'b', none: 'c', true: 'd'}|tojson }}"),
    ("tojson_control_chars", "{{ 'a\\nb\\tc\\\\d\"e\\x01\\x7f'|tojson }}"),
    ("tojson_tuple_and_items", "{{ (1, 'a')|tojson }} {{ d.items()|list|tojson }} {{ ns_placeholder|default(none)|tojson }}"),
    ("tojson_indent_filter", "{{ msgs[2].tool_calls|tojson(indent=4)|indent(8) }}"),
    # --- tests ------------------------------------------------------------------------------------
    ("tests_types", "{{ 1 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ 'a' is string }}{{ {} is mapping }}{{ [] is mapping }}{{ none is none }}{{ true is boolean }}{{ 1 is boolean }}"),
    ("tests_iterable_sequence", "{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ missing is iterable }}{{ {} is sequence }}{{ 'a' is sequence }}{{ 1 is sequence }}{{ nums|map('string') is iterable }}{{ nums|map('string') is sequence }}"),
    ("tests_values", "{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 1 is true }}{{ true is true }}{{ false is false }}{{ 0 is false }}{{ 'ABC' is upper }}{{ 'abc' is lower }}{{ 'aB' is lower }}"),
    ("tests_comparisons", "{{ 1 is eq 1 }}{{ 1 is equalto 2 }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 2 is gt 1 }}{{ 2 is ge 2 }}{{ 2 is le 1 }}{{ 1 is in [1, 2] }}{{ 'x' is in 'xyz' }}{{ 2 is greaterthan 1 }}{{ 2 is lessthan 1 }}"),
    ("tests_defined", "{{ missing is defined }}{{ missing is undefined }}{{ msgs is defined }}{{ missing is not defined }}{{ msgs[0].zz is defined }}{{ d.a is defined }}{{ none_value is defined }}{{ none_value is none }}"),
    ("tests_misc", "{{ none is sameas none }}{{ true is sameas true }}{{ range is callable }}{{ msgs is callable }}{{ 'upper' is filter }}{{ 'nope' is filter }}{{ 'odd' is test }}{{ '<'|safe is escaped }}{{ '<' is escaped }}"),
    ("tests_negation_in_conditions", "{% if msgs[0].role is not none and msgs[0].content is string %}ok{% endif %}{% if not (d is mapping) %}no{% else %}map{% endif %}"),
    # --- methods ----------------------------------------------------------------------------------
    ("methods_strip_split", "[{{ '  a b  '.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '  a '.lstrip() }}][{{ ' a  '.rstrip() }}] {{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'x</think>y'.split('</think>')[-1] }} {{ 'l1\\nl2\\r\\nl3'.splitlines() }}"),
    ("methods_affixes", "{{ 'abc'.startswith('ab') }}{{ 'abc'.startswith(('x', 'a')) }}{{ 'abc'.endswith('bc') }}{{ 'abc'.endswith('b', 0, 2) }}{{ 'abc'.startswith('b', 1) }}"),
    ("methods_case_and_search", "{{ 'Ab'.upper() }} {{ 'Ab'.lower() }} {{ \"they're bill\".title() }} {{ 'hELLO'.capitalize() }} {{ 'Ab'.swapcase() }} {{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.count('bc') }} {{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '+', 1) }} {{ cn.find('世') }}"),
    ("methods_format", "{{ '{} and {}'.format(1, 'b') }} {{ '{1}{0}'.format('a', 'b') }} {{ '{x}-{y}'.format(x=1, y=2) }} {{ '{:>5}|{:<5}|{:^5}|{:05d}|{:.2f}|{:,}|{!r}'.format('a', 'b', 'c', 42, 3.14159, 1234567, 'q') }} {{ '{{literal}}'.format() }} {{ '{0[0]}'.format(['z']) }}"),
    ("methods_misc_str", "{{ ', '.join(['a', 'b']) }} {{ 'ab'.center(6, '*') }} {{ '5'.zfill(3) }} {{ 'a=b=c'.partition('=') }} {{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ '  '.isspace() }} {{ 'abc'.islower() }} {{ 'pre_x'.removeprefix('pre_') }}"),
    ("methods_dict", "{{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {% for k, v in d.items() %}{{ k }}{% endfor %} {{ d.items() }} {{ d.keys() }}"),
    ("methods_list", "{{ nums.index(4) }} {{ nums.count(1) }} {{ (1, 2, 1).count(1) }}"),
    # --- globals ----------------------------------------------------------------------------------
    ("globals_range", "{{ range(3) }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }} {% for i in range(3) %}{{ i }}{% endfor %} {{ range(3)|length }} {{ range(0)|list }}"),
    ("globals_dict_namespace", "{{ dict(a=1, b='x') }} {{ dict({'z': 1}, y=2) }} {{ namespace(a=1) }} {{ namespace(a=1).a }}"),
    ("globals_strftime", "{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %-d, %Y %A %a %H:%M:%S %j %y %p %I') }}"),
    ("globals_raise_exception_ok_branch", "{% if false %}{{ raise_exception('never') }}{% endif %}fine"),
    # --- chat-template idioms ---------------------------------------------------------------------
    ("idiom_system_extraction", "{% if msgs[0]['role'] == 'system' %}{% set system_message = msgs[0]['content'] %}{% set loop_messages = msgs[1:] %}{% else %}{% set loop_messages = msgs %}{% endif %}{{ system_message }}|{% for m in loop_messages %}<{{ m['role'] }}>{{ m['content'] | trim }}{% endfor %}"),
    ("idiom_alternation_check", "{% for message in msgs[1:] %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{{ message['role'] }};{% endfor %}"),
    ("idiom_tool_calls", "{% for m in msgs %}{% if m.tool_calls is defined %}{% for tc in m.tool_calls %}{{ tc.function.name }}({{ tc.function.arguments | tojson }}){% endfor %}{% endif %}{% endfor %}"),
    ("idiom_content_is_string", "{% for m in msgs %}{% if m.content is string %}{{ m.content }}{% else %}{% for part in m.content %}{{ part.text }}{% endfor %}{% endif %}|{% endfor %}"),
    ("idiom_reverse_scan", "{% set ns = namespace(last_user=-1) %}{% for m in msgs[::-1] %}{% set idx = (msgs|length) - 1 - loop.index0 %}{% if m.role == 'user' and ns.last_user == -1 %}{% set ns.last_user = idx %}{% endif %}{% endfor %}{{ ns.last_user }}"),
    ("idiom_generation_prompt", "{% for m in msgs %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}", {"add_generation_prompt": True}),
    ("idiom_bos_eos", "{{ bos_token }}{% for m in msgs %}{{ m.content }}{{ eos_token }}{% endfor %}", {"bos_token": "<s>", "eos_token": "</s>"}),
    ("idiom_think_split", "{% set content = 'a<think>x</think>\\n\\nanswer' %}{{ content.split('</think>')[-1].lstrip('\\n') }}|{{ content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}"),
    # --- lexer corner cases -------------------------------------------------------------------
    ("lex_braces_in_strings", "{{ '}}' }}|{% set x = '%}' %}{{ x }}|{{ {'a': {'b': 1}} }}|{# {{ not a var }} #}|{{ '{#' }}"),
    ("lex_minus_in_expressions", "{{ 5 -1 }}|{{ 5 - -1 }}|{{- 3 -}}|{{ [1,2,3][-1] }}"),
    ("lex_tabs_and_unicode_space_lstrip", "a\n\t\t{% if true %}b{% endif %}\n\u3000 {% if true %}c{% endif %}"),
    ("lex_tag_after_text_no_lstrip", "text {% if true %}x{% endif %}\n  more {% if true %}y{% endif %}"),
    ("lex_minus_block_end_then_spaces", "{% if true -%}   \n  x{% endif %}|{% if true %}   \n  y{% endif %}"),
    ("lex_line_start_after_trimmed_tag", "{% if true %}\n  {% if true %}\n    deep\n  {% endif %}\n{% endif %}\ntail"),
    ("lex_trailing_commas", "{{ [1, 2,] }} {{ {'a': 1,} }} {{ (1, 2,) }} {{ dict(a=1,) }}"),
    ("lex_comment_lstrip_and_trim", "a\n   {# comment #}\n   b\n   {#- comment -#}   \n   c"),
    ("lex_variable_tags_not_lstripped", "a\n   {{ 'v' }}\n   b"),
    ("lex_raw_keeps_newline_after_begin", "{% raw %}\nx\n{% endraw %}\ny"),
    ("lex_string_escapes_newline", "{{ 'a\\\nb' }}|{{ \"q\\\"q\" }}|{{ '\\\\n' }}"),
    # --- more expressions ------------------------------------------------------------------------
    ("expr_nested_conditionals", "{{ 'a' if 0 else 'b' if 0 else 'c' }} {{ ('x' if true else 'y')|upper }} {{ 1 if 2 > 1 }}"),
    ("expr_unary_chain", "{{ --3 }} {{ -(3) }} {{ +3 }} {{ not none }} {{ not not 1 }} {{ -3|abs }} {{ (-3)|abs }}"),
    ("expr_comparisons_more", "{{ 3 > 2 > 1 }} {{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ {'a': 1} == {'a': 2} }} {{ 'é' > 'z' }} {{ (1, 2) < (1, 3) }} {{ none != false }} {{ 0 == false }}"),
    ("expr_filter_precedence", "{{ msgs|length > 2 }} {{ 1 + nums|length }} {{ nums|first + nums|last }} {{ 'a' ~ nums|length ~ 'b' }}"),
    ("expr_string_concat_numbers", "{{ 'Hello' ~ 1.0 }} {{ 1.5 ~ '' }} {{ 10 // 3 * 3 }} {{ 2 ** 64 }} {{ -2 ** 63 }} {{ 7 / 7 }} {{ 1e300 * 1e300 }} {{ -1e300 * 1e300 }}"),
    ("expr_float_repr_edges", "{{ 1e22 }} {{ 1e21 }} {{ 123456789012345678.0 }} {{ 0.000123 }} {{ 5e-324 }} {{ 1.7976931348623157e308 }} {{ 100.5 }} {{ 1.1 * 3 }} {{ 2.0 ** 0.5 }} {{ 1/7 }}"),
    ("expr_chained_access", "{{ (msgs|selectattr('role', 'eq', 'user')|list|last).content }} {{ d.get('nested', {}).get('k') }} {{ msgs[-1]['tool_calls'][0]['function']['arguments']['x'] }}"),
    ("expr_range_slicing", "{{ range(10)[2:5]|list }} {{ range(10)[-1] }} {{ range(5)[::-1]|list }}"),
    ("expr_call_with_spreads", "{% macro m(a, b, c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(*[1, 2]) }}|{{ m(**{'a': 4, 'b': 5, 'c': 6}) }}|{{ m(7, *[8]) }}"),
    ("expr_percent_formatting", "{{ '%s' % none }} {{ '%d' % 3.7 }} {{ '%5.1f%%' % 12.345 }} {{ '%s and %s' % ('a', [1]) }} {{ '%(a)s-%(b)d' % {'a': 'x', 'b': 2} }} {{ '%+d % d' % (5, 5) }} {{ '%-6s|' % 'ab' }} {{ '%c%c' % (72, 'i') }} {{ '%o %X %#x' % (8, 255, 255) }} {{ '%.2s' % 'abc' }}"),
    ("expr_str_format_specs", "{{ '{:+d}'.format(5) }} {{ '{:e}'.format(12345.6789) }} {{ '{:g}'.format(0.0001) }} {{ '{:.3}'.format(3.14159) }} {{ '{:10.3f}|'.format(-3.14159) }} {{ '{:x} {:#x} {:b} {:o}'.format(255, 255, 5, 8) }} {{ '{:.1%}'.format(0.25) }} {{ '{:*^9}'.format('mid') }} {{ '{:=+6d}'.format(42) }} {{ '{:.2}'.format('abc') }} {{ '{}'.format(none) }} {{ '{:_}'.format(1234567) }} {{ '{:.3}'.format(1234.5) }} {{ '{}'.format(1.0) }} {{ '{:5}|'.format(true) }}"),
    ("expr_round_half_even", "{{ 0.5|round }} {{ 1.5|round }} {{ -0.5|round }} {{ 2.5|round(0) }} {{ 0.125|round(2) }} {{ 0.375|round(2) }} {{ 1.005|round(2) }} {{ -1.5|round }} {{ 25|round(-1) }} {{ 35|round(-1) }}"),
    ("expr_undefined_permissive", "[{{ missing|upper }}][{{ missing|first }}][{{ missing|list }}][{{ missing|join(',') }}][{{ missing|items|list }}][{{ missing|string }}][{{ missing|default(missing)|length }}][{{ loop }}][{% for x in missing %}x{% endfor %}]"),
    ("expr_python_str_of_nested", "{{ {'a': [1.5, none, {'b': (true,)}], 'c': 'q\"'} }}|{{ [[], {}, ()] }}|{{ ['\\n', '\\\\', '\\''] }}"),
    ("expr_dict_key_kinds", "{{ {1: 'a', 1.0: 'b', true: 'c'} }} {{ {'x': 1}['x'] }} {{ {1: 'one'}[1.0] }} {{ {1: 'one'}[true] }} {{ {none: 1}[none] }}"),
    # --- more statements ----------------------------------------------------------------------------
    ("stmt_nested_loops_lengths", "{% for a in [[1, 2], [3]] %}{% for b in a %}{{ loop.length }}{{ loop.depth }}{% endfor %}/{{ loop.length }} {% endfor %}"),
    ("stmt_loop_over_dict_items_filtered", "{% for k, v in d.items() if v is number %}{{ k }}{% endfor %}|{% for k in d if k != 'a' %}{{ k }}{% endfor %}"),
    ("stmt_set_overrides_context", "{% set msgs = msgs[:1] %}{{ msgs|length }}{% for m in msgs %}{{ m.role }}{% endfor %}"),
    ("stmt_macro_in_loop_sees_loop_var", "{% for i in [1, 2] %}{% macro show() %}<{{ i }}>{% endmacro %}{{ show() }}{% endfor %}"),
    ("stmt_macro_closure_namespace", "{% set ns = namespace(n=0) %}{% macro bump() %}{% set ns.n = ns.n + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.n }}"),
    ("stmt_macro_kwargs_only", "{% macro m() %}{{ kwargs|dictsort }}{% endmacro %}{{ m(b=2, a=1) }}"),
    ("stmt_call_block_caller_twice", "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}{% call twice() %}[x]{% endcall %}"),
    ("stmt_break_in_nested", "{% for a in [1, 2, 3] %}{% for b in [1, 2, 3] %}{% if b > a %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}|{% endfor %}"),
    ("stmt_continue_with_else", "{% for x in [1, 2] %}{% continue %}{% else %}never{% endfor %}done"),
    ("stmt_break_with_else", "{% for x in [1, 2] %}{% break %}{% else %}E1{% endfor %}|{% for x in [1, 2] %}{% if x == 2 %}{% break %}{% endif %}{% else %}E2{% endfor %}|"),
    ("stmt_print_tag", "{% print 'a', 1 + 1 %}"),
    ("stmt_if_with_tuple_test", "{% if (1, 2) %}tuple{% endif %}{% if () %}empty{% else %}none{% endif %}"),
    ("stmt_with_shadowing", "{% set a = 'outer' %}{% with a = 'inner' %}{{ a }}{% endwith %}{{ a }}"),
    ("stmt_set_in_else_branch", "{% if false %}{% set v = 1 %}{% else %}{% set v = 2 %}{% endif %}{{ v }}"),
    # --- more methods / filters ---------------------------------------------------------------------
    ("more_string_methods_on_undefined_chain", "{{ msgs[0].role.upper() }} {{ msgs[0].content.split(' ')|length }} {{ msgs[1].content.replace('<b>', '') }}"),
    ("more_replace_with_none", "{{ 'abc'|replace('b', none) }} {{ 'abc'.replace('b', 'B') }}"),
    ("more_markup_is_string", "{{ '<'|safe is string }} {{ ('<'|safe)|length }} {{ ('a<'|safe).upper() }} {{ ('x'|safe) == 'x' }} {{ 'x' in ('xyz'|safe) }} {{ ('<a>'|safe)|replace('a', '<') }}"),
    ("more_tojson_markup_and_negative_zero", "{{ ('<b>'|safe)|tojson }} {{ -0.0|tojson }} {{ [[]]|tojson(indent=1) }} {{ {}|tojson(indent=2) }} {{ 'x'|tojson(indent=2) }}"),
    ("more_sort_mixed_case_attributes", "{{ people|sort(attribute='city')|map(attribute='city')|list }} {{ people|sort(attribute='age,name', reverse=true)|map(attribute='name')|list }}"),
    ("more_join_markup", "{{ ['<a>', '<b>'|safe]|join('&') }}"),
    ("more_indent_markup_and_width_string", "{{ ('a\\nb'|safe)|indent(2) }}|{{ 'a\\r\\nb\\rc'|indent(1) }}"),
    ("more_title_and_capitalize_unicode", "{{ 'élan vital'|title }} {{ 'ÉLAN'|capitalize }} {{ 'straße'|upper }} {{ 'ΣΑΣ'|lower }} {{ 'ǆemal'|title }}"),
    ("more_default_chain", "{{ missing|default(none)|default('x') }} {{ missing|default(missing)|default('y') }} {{ none|default('z', true) }}"),
    ("more_length_of_things", "{{ range(4)|length }} {{ d.items()|length }} {{ (1, 2)|length }} {{ ''|length }} {{ '😀😀'|length }}"),
    ("more_first_last_edge", "{{ d|first }} {{ range(3)|last }} {{ (1, 2)|last }} {{ ''|first }}|{{ words|map('lower')|first }}"),
    ("more_wordcount_unicode", "{{ '你好 世界 hello_world 42'|wordcount }}"),
    ("more_select_on_dict", "{{ {'a': 1, 'b': 0}|select|list }} {{ {'a': 1}|map('upper')|list }}"),
    ("more_batch_empty", "{{ []|batch(2)|list }} {{ [1]|batch(3, 'f')|list }}"),
    ("more_strftime_codes", "{{ strftime_now('%e|%-m/%-d|%Y%m%d%H%M%S|%%|%F %T') }}"),
    ("more_errors_undefined_method", "{{ missing.strip() }}"),
    ("more_errors_unknown_method", "{{ 'x'.nosuch() }}"),
    ("more_errors_undefined_index", "{{ missing[0] }}"),
    ("more_errors_undefined_compare", "{{ missing < 1 }}"),
    ("more_errors_sum_strings", "{{ ['a', 'b']|sum }}"),
    ("more_errors_sort_mixed", "{{ [1, 'a']|sort }}"),
    ("more_errors_round_str", "{{ 'x'|round }}"),
    ("more_errors_unexpected_closer", "{{ 1 ) }}"),
    ("more_errors_mismatched_bracket", "{{ [1, 2) }}"),
    ("more_errors_assign_to_const", "{% set 1 = 2 %}"),
    ("more_errors_missing_endmacro", "{% macro m() %}x"),
    ("more_errors_str_format_missing", "{{ '{} {}'.format(1) }}"),
    ("more_errors_unknown_filter_in_if", "{% if false %}{{ 1|nosuchfilter }}{% endif %}ok"),
    ("more_errors_unknown_filter_in_if_taken", "{% if true %}{{ 1|nosuchfilter }}{% endif %}ok"),
    ("more_errors_unknown_filter_in_inline_if", "{{ 1|nosuchfilter if false else 'inline ok' }}"),
    ("more_errors_unknown_filter_in_loop_in_if", "{% if false %}{% for x in [1] %}{{ x|nosuchfilter }}{% endfor %}{% endif %}ok"),
    ("more_errors_unknown_test_in_if_iterable", "{% if false %}{% for x in [1] if x is nosuchtest %}{% endfor %}{% endif %}ok"),
    ("more_errors_caller_missing", "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}"),
    ("more_errors_multiply_float_seq", "{{ 'a' * 1.5 }}"),
    # --- errors -----------------------------------------------------------------------------------
    ("error_raise_exception", "{{ raise_exception('Only user and assistant roles are supported!') }}"),
    ("error_undefined_attribute", "{{ missing.attr }}"),
    ("error_undefined_nested", "{{ d.zz.yy }}"),
    ("error_undefined_index", "{{ msgs[10].role }}"),
    ("error_undefined_arith", "{{ missing + 1 }}"),
    ("error_undefined_call", "{{ missing() }}"),
    ("error_str_plus_int", "{{ 'a' + 1 }}"),
    ("error_int_plus_str", "{{ 1 + 'a' }}"),
    ("error_str_plus_dict", "{{ 'x' + d }}"),
    ("error_list_plus_str", "{{ [1] + 'a' }}"),
    ("error_compare_types", "{{ 'a' < 1 }}"),
    ("error_in_non_string", "{{ 1 in 'abc' }}"),
    ("error_in_none", "{{ 'a' in none }}"),
    ("error_iterate_none", "{% for x in none %}{% endfor %}"),
    ("error_iterate_int", "{% for x in 5 %}{% endfor %}"),
    ("error_division_by_zero", "{{ 1 / 0 }}"),
    ("error_floordiv_by_zero", "{{ 1 // 0 }}"),
    ("error_modulo_by_zero", "{{ 1 % 0 }}"),
    ("error_unpack", "{% set a, b = [1] %}"),
    ("error_unpack_too_many", "{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
    ("error_length_of_generator", "{{ nums|map('string')|length }}"),
    ("error_last_of_generator", "{{ nums|map('string')|last }}"),
    ("error_tojson_generator", "{{ nums|map('string')|tojson }}"),
    ("error_tojson_undefined", "{{ missing|tojson }}"),
    ("error_list_append_sandbox", "{% set x = [] %}{{ x.append(1) }}"),
    ("error_dict_update_sandbox", "{% set x = {} %}{{ x.update({'a': 1}) }}"),
    ("error_macro_too_many_args", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
    ("error_macro_unknown_kwarg", "{% macro m(a) %}{% endmacro %}{{ m(c=2) }}"),
    ("error_namespace_assign_non_namespace", "{% set x = 1 %}{% set x.y = 2 %}"),
    ("error_not_callable", "{{ d.a() }}"),
    ("error_unary_minus_string", "{{ -'a' }}"),
    ("error_unknown_filter", "{{ 1|nosuchfilter }}"),
    ("error_unknown_test", "{{ 1 is nosuchtest }}"),
    ("error_unknown_tag", "{% frobnicate %}"),
    ("error_unclosed_if", "{% if true %}never closed"),
    ("error_unclosed_for", "{% for x in nums %}{% if x %}{% endfor %}"),
    ("error_bad_expression", "{{ 1 + }}"),
    ("error_unexpected_end_of_print", "{{ 'a' "),
    ("error_format_not_enough_args", "{{ '%s %s' % ('a',) }}"),
    ("error_items_of_list", "{{ nums|items|list }}"),
    ("error_dictsort_by", "{{ d|dictsort(by='x') }}"),
    ("error_int_on_str_join", "{{ ', '.join([1, 2]) }}"),
    ("error_split_empty_sep", "{{ 'a'.split('') }}"),
]


def main():
    out = []
    for entry in SNIPPETS:
        name, template = entry[0], entry[1]
        extra = entry[2] if len(entry) > 2 else {}
        context = dict(BASE)
        context.update(extra)
        case = {"name": name, "template": template}
        if extra:
            case["context"] = extra
        try:
            case["output"] = env.from_string(template).render(**context)
        except Exception as e:  # noqa: BLE001 - any Jinja2 failure is an expectation
            case["error"] = type(e).__name__ + ": " + str(e)
        out.append(case)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "resources", "jinja-snippets.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"generator": "Python Jinja2 " + jinja2.__version__
                   + ", ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, loopcontrols),"
                   " Hugging Face tojson, raise_exception, strftime_now fixed to 2026-11-22",
                   "base_context": BASE, "snippets": out}, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    print(len(out), "snippets written to", os.path.normpath(path))


# Varied conversations for the real chat templates in shared/reference/templates: tool calls with
# string and dict arguments, tool results, thinking blocks, multimodal parts, empty histories.
CONVERSATIONS = {
 "tool_string_args": {"messages": [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Weather in Paris & <Rome>?"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "abcdefghi", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "abcdefghi", "name": "get_weather", "content": "sunny"},
    {"role": "assistant", "content": "It is sunny. <think>hidden</think>Done"},
    {"role": "user", "content": "Thanks 😀"}],
  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City", "enum": ["Paris", "Rome"]}, "days": {"type": "integer", "default": 1, "minimum": 1}, "units": {"type": ["string", "null"]}}, "required": ["city"]}}}],
  "documents": [{"title": "Doc", "text": "Some text"}]},
 "multi_turn": {"messages": [
    {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
    {"role": "user", "content": "c"}, {"role": "assistant", "content": "<think>\nreason\n</think>\n\nd"},
    {"role": "user", "content": "  e  "}]},
 "system_only": {"messages": [{"role": "system", "content": "sys"}]},
 "empty": {"messages": []},
 "content_parts": {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": " there"}]}]},
 "dict_args_tool": {"messages": [
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "call12345", "type": "function", "function": {"name": "f", "arguments": {"a": 1, "b": [1.5, None, True]}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": {"ok": True}},
    {"role": "assistant", "content": "done"}], "tools": [{"type": "function", "function": {"name": "f", "description": "does f", "parameters": {"type": "object", "properties": {}}}}]},
 "ipython": {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "run"}, {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "python", "arguments": {"code": "print(1)"}}}], "content": None}, {"role": "ipython", "content": "1"}], "builtin_tools": ["code_interpreter"], "tools": []},
 "custom_flags": {"messages": [{"role": "user", "content": "q"}], "enable_thinking": False, "date_string": "1 Jan 2025", "tools_in_user_message": False, "builtin_tools": ["brave_search", "wolfram_alpha"], "custom_tools": None},
}


def conversation_cases(templates_dir):
    """Renders every shared template with every conversation above, with and without generation prompt."""
    cases = []
    for name in sorted(os.listdir(templates_dir)):
        if not name.endswith(".jinja"):
            continue
        with open(os.path.join(templates_dir, name), encoding="utf-8") as fh:
            source = fh.read()
        for context_name, context in CONVERSATIONS.items():
            for gen in (True, False):
                variables = dict(context)
                variables.update(add_generation_prompt=gen, bos_token="<s>", eos_token="</s>")
                case = {"template": name, "context": context_name, "add_generation_prompt": gen}
                try:
                    case["output"] = env.from_string(source).render(**variables)
                except Exception as e:  # noqa: BLE001
                    case["error"] = type(e).__name__ + ": " + str(e)
                cases.append(case)
    return {"contexts": CONVERSATIONS, "cases": cases}


if __name__ == "__main__":
    main()


def float_cases():
    """Random doubles with Python's renderings, for the float formatting regression test."""
    import random
    import struct
    rng = random.Random(20261122)
    values = []
    while len(values) < 400:
        bits = rng.getrandbits(64)
        (v,) = struct.unpack("<d", struct.pack("<Q", bits))
        if v == v and abs(v) != float("inf"):
            values.append(v)
    for _ in range(300):
        values.append(round(rng.uniform(-1000, 1000), rng.randint(0, 6)))
    for _ in range(100):
        values.append(rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30))
    values += [0.0, -0.0, 1.0, 0.1, 0.5, 2.5, 1e16, 1e-5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    rows = []
    for v in values:
        bits = struct.unpack("<q", struct.pack("<d", v))[0]
        rows.append({
            "bits": bits,
            "str": str(v),
            "json": json.dumps(v),
            "fixed3": "%.3f" % v,
            "exp2": "%.2e" % v,
            "general": "%g" % v,
            "round2": repr(round(v, 2)),
        })
    return rows


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "resources", "python-floats.json"), "w", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(row) for row in float_cases()) + "\n]\n")
    shared = os.environ.get("CARAVEL_SHARED", os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    with open(os.path.join(here, "..", "resources", "template-conversations.json"), "w", encoding="utf-8") as fh:
        json.dump(conversation_cases(os.path.join(shared, "reference", "templates")), fh, ensure_ascii=False, indent=0)
        fh.write("\n")
