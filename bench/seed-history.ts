import type { ChatMessage } from '../src/protocol/index.js';

const WORDS = (
  'hello pricing plan pro business free contact email phone hours open support team widget ' +
  'conversation reload page order invoice shipping return refund account password login ' +
  'thanks please could you tell me about the when where how much does it cost'
).split(' ');

/**
 * A deterministic conversation of `count` messages, alternating visitor and agent, with texts of
 * 20–180 characters and ids `<prefix>-<i>` (valid message ids). `seq` is left to the store.
 */
export function seedConversation(
  prefix: string,
  count: number,
  endAt = Date.now(),
): Array<Omit<ChatMessage, 'seq'>> {
  let state = 2_166_136_261 ^ prefix.length;
  const random = () => {
    // xorshift32: the same history in every run, without Math.random.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
  const messages: Array<Omit<ChatMessage, 'seq'>> = [];
  for (let i = 0; i < count; i++) {
    const length = 20 + Math.floor(random() * 160);
    let text = '';
    while (text.length < length) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
    messages.push({
      id: `${prefix}-${i}`,
      author: i % 2 === 0 ? 'visitor' : 'agent',
      text: text.trim(),
      at: endAt - (count - i) * 1000,
    });
  }
  return messages;
}
