import { describe, expect, it } from 'vitest';
import { braceDelta, caseLabel, definedName, isSwitchLabel, numericDefine } from '../../src/diff/c-lines.js';

describe('what a line of C says', () => {
  it.each([
    ['#define XEN_DOMCTL_altp2m_get_views              89', 'XEN_DOMCTL_altp2m_get_views', 'XEN_DOMCTL_altp2m_get_views'],
    ['# define XEN_DOMCTL_ALTP2M_mixed (1U)', 'XEN_DOMCTL_ALTP2M_mixed', 'XEN_DOMCTL_ALTP2M_mixed'],
    ['#define XEN_DOMCTL_ALTP2M_mode_mask  (0x3U << XEN_DOMCTL_ALTP2M_mode_shift)', 'XEN_DOMCTL_ALTP2M_mode_mask', 'XEN_DOMCTL_ALTP2M_mode_mask'],
    ['#define XEN_ALTP2M_MODES (XEN_ALTP2M_mixed)', 'XEN_ALTP2M_MODES', undefined],
    ['#define HVMOP_ALTP2M_INTERFACE_VERSION 0x00000001', 'HVMOP_ALTP2M_INTERFACE_VERSION', 'HVMOP_ALTP2M_INTERFACE_VERSION'],
    ['#define xen_domctl_altp2m_op_t', 'xen_domctl_altp2m_op_t', undefined],
    ['    case XEN_DOMCTL_altp2m_get_views:', undefined, undefined],
  ])('%s: defines %s, a number %s', (text, name, numeric) => {
    expect(definedName(text)).toBe(name);
    expect(numericDefine(text)).toBe(numeric);
  });

  it('reads case labels and tells switch labels', () => {
    expect(caseLabel('    case HVMOP_altp2m_set_visibility:')).toBe('HVMOP_altp2m_set_visibility');
    expect(caseLabel('case XEN_ALTP2M_mixed : break;')).toBe('XEN_ALTP2M_mixed');
    expect(caseLabel('    /* case HVMOP_altp2m_x: */')).toBeUndefined();
    expect([isSwitchLabel('    default:'), isSwitchLabel('  case X:'), isSwitchLabel('    defaults = 0;')]).toEqual([true, true, false]);
  });

  it('counts the braces a line opens less those it closes', () => {
    expect([braceDelta('struct xen_domctl_altp2m_views {'), braceDelta('} altp2m;'), braceDelta('{ { }'), braceDelta('x = 1;')]).toEqual([1, -1, 1, 0]);
  });
});
