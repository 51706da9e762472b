/** A JSON filter editor with validation and a few guided conditions. */
import { useState } from 'preact/hooks';
import { GUIDED_OPERATORS, addCondition, guidedCondition, parseFilterText } from './filter.js';

export function FilterEditor({ text, onChange }: { text: string; onChange: (text: string) => void }) {
  const [key, setKey] = useState('');
  const [op, setOp] = useState('equals');
  const [value, setValue] = useState('');
  const { error } = parseFilterText(text);
  const needsKey = op !== 'has id';
  const needsValue = op !== 'is empty';
  return (
    <div class="filter-editor">
      <label>
        Filter (JSON)
        <textarea
          name="filter"
          rows={5}
          spellcheck={false}
          value={text}
          aria-invalid={error !== undefined}
          onInput={(e) => onChange(e.currentTarget.value)}
          placeholder='{"must": [{"key": "city", "match": {"value": "Paris"}}]}'
        />
      </label>
      {error !== undefined && <div class="field-error" role="alert">{error}</div>}
      <div class="row guided" aria-label="add a condition">
        {needsKey && <input aria-label="condition key" placeholder="payload key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />}
        <select aria-label="condition operator" value={op} onChange={(e) => setOp(e.currentTarget.value)}>
          {GUIDED_OPERATORS.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        {needsValue && <input aria-label="condition value" placeholder={op === 'has id' || op === 'any of' ? 'a, b, c' : 'value'} value={value} onInput={(e) => setValue(e.currentTarget.value)} />}
        <button type="button" class="secondary" disabled={(needsKey && key === '') || error !== undefined} onClick={() => onChange(addCondition(text, guidedCondition(key, op, value)))}>
          Add condition
        </button>
        <button type="button" class="secondary" onClick={() => onChange('')}>
          Clear
        </button>
      </div>
    </div>
  );
}
