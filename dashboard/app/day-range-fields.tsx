/** A range of days as `<input type="date">` values. */
export interface DayRange {
  from: string;
  to: string;
}

/** The From and To date fields of a filter form; `onChange` gets the whole new range. */
export function DayRangeFields({
  days,
  onChange,
}: {
  days: DayRange;
  onChange: (days: DayRange) => void;
}) {
  return (
    <>
      <label>
        From
        <input
          type="date"
          value={days.from}
          onChange={(e) => onChange({ ...days, from: e.currentTarget.value })}
        />
      </label>
      <label>
        To
        <input
          type="date"
          value={days.to}
          onChange={(e) => onChange({ ...days, to: e.currentTarget.value })}
        />
      </label>
    </>
  );
}
