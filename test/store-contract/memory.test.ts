import { memoryStore } from '@bearer-guard/core'
import { storeContract } from './contract.js'

storeContract('memoryStore()', () => memoryStore())
